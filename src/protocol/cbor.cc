// CBOR writer and bounded decoder (see cbor.h).
#include "protocol/cbor.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <optional>

#include "protocol/input_values.h"

namespace nimbus::protocol::cbor {
namespace json = boost::json;

// ---- writer -------------------------------------------------------------------

void Writer::head(unsigned major, uint64_t v) {
  auto m = static_cast<uint8_t>(major << 5);
  auto put_be = [this](uint64_t x, int n) {
    for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
  };
  if (v < 24) {
    out_.push_back(static_cast<char>(m | v));
  } else if (v <= 0xff) {
    out_.push_back(static_cast<char>(m | 24));
    put_be(v, 1);
  } else if (v <= 0xffff) {
    out_.push_back(static_cast<char>(m | 25));
    put_be(v, 2);
  } else if (v <= 0xffffffffULL) {
    out_.push_back(static_cast<char>(m | 26));
    put_be(v, 4);
  } else {
    out_.push_back(static_cast<char>(m | 27));
    put_be(v, 8);
  }
}

void Writer::integer(int64_t v) {
  if (v >= 0) {
    head(0, static_cast<uint64_t>(v));
  } else {
    head(1, static_cast<uint64_t>(-(v + 1)));
  }
}

void Writer::bytes(std::string_view b) {
  head(2, b.size());
  out_.append(b);
}

void Writer::text(std::string_view s) {
  head(3, s.size());
  out_.append(s);
}

void Writer::float64(double d) {
  out_.push_back(static_cast<char>(0xfb));
  auto bits = std::bit_cast<uint64_t>(d);
  for (int i = 7; i >= 0; --i) out_.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

void Writer::timestamp(double epoch_seconds) {
  tag(1);
  if (epoch_ == Epoch::kSeconds) {
    if (std::isfinite(epoch_seconds) && std::floor(epoch_seconds) == epoch_seconds &&
        std::fabs(epoch_seconds) < 9.0e18) {
      integer(static_cast<int64_t>(epoch_seconds));
    } else {
      float64(epoch_seconds);
    }
    return;
  }
  double ms = std::round(epoch_seconds * 1000.0);
  if (std::isfinite(ms) && std::fabs(ms) < 9.0e18) {
    integer(static_cast<int64_t>(ms));
  } else {
    float64(ms);
  }
}

void Writer::json(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      null();
      return;
    case json::kind::bool_:
      boolean(v.get_bool());
      return;
    case json::kind::int64:
      integer(v.get_int64());
      return;
    case json::kind::uint64:
      uint(v.get_uint64());
      return;
    case json::kind::double_:
      float64(v.get_double());
      return;
    case json::kind::string:
      text({v.get_string().data(), v.get_string().size()});
      return;
    case json::kind::array:
      array(v.get_array().size());
      for (const auto& e : v.get_array()) json(e);
      return;
    case json::kind::object:
      map(v.get_object().size());
      for (const auto& [k, e] : v.get_object()) {
        text({k.data(), k.size()});
        json(e);
      }
      return;
  }
}

// ---- decoder ------------------------------------------------------------------

namespace {

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int n = (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : -1;
    if (n < 0 || s.size() - i <= static_cast<size_t>(n)) return false;
    uint32_t cp = n == 1 ? (c & 0x1f) : n == 2 ? (c & 0x0f) : (c & 0x07);
    for (int k = 1; k <= n; ++k) {
      auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += static_cast<size_t>(n) + 1;
  }
  return true;
}

double half_to_double(uint16_t h) {
  int exp = (h >> 10) & 0x1f;
  int mant = h & 0x3ff;
  double v;
  if (exp == 0) {
    v = std::ldexp(mant, -24);
  } else if (exp != 31) {
    v = std::ldexp(mant + 1024, exp - 25);
  } else {
    v = mant == 0 ? INFINITY : NAN;
  }
  return (h & 0x8000) != 0 ? -v : v;
}

class Decoder {
 public:
  Decoder(std::string_view in, Epoch epoch) : in_(in), epoch_(epoch) {}

  Result<json::value> top() {
    auto v = item(0);
    if (!v) return v;
    if (pos_ != in_.size()) return fail("trailing bytes after the CBOR item");
    return v;
  }

 private:
  // A length or value; `indefinite` for additional information 31.
  struct Arg {
    uint64_t value = 0;
    bool indefinite = false;
  };

  Error fail(std::string what) const {
    return input::serialization_error("Request body is not valid CBOR: " + what + " at byte " +
                                      std::to_string(pos_));
  }

  size_t left() const { return in_.size() - pos_; }

  // The argument of an initial byte's additional information; nullopt when
  // reserved or truncated.
  std::optional<Arg> argument(unsigned ai) {
    if (ai < 24) return Arg{ai, false};
    if (ai == 31) return Arg{0, true};
    if (ai > 27) return std::nullopt;
    size_t n = size_t{1} << (ai - 24);
    if (left() < n) return std::nullopt;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(in_[pos_ + i]);
    pos_ += n;
    return Arg{v, false};
  }

  // A byte or text string, definite or made of definite chunks of its own type.
  Result<std::string> string_of(unsigned major, Arg len) {
    std::string out;
    if (!len.indefinite) {
      if (len.value > left()) return fail("string longer than the body");
      out.assign(in_.substr(pos_, len.value));
      pos_ += len.value;
      return out;
    }
    while (true) {
      if (left() == 0) return fail("unterminated indefinite-length string");
      auto b = static_cast<uint8_t>(in_[pos_++]);
      if (b == 0xff) return out;
      if ((b >> 5) != major) return fail("chunk of another type inside a string");
      auto n = argument(b & 0x1f);
      if (!n || n->indefinite) return fail("bad chunk length");
      if (n->value > left()) return fail("string longer than the body");
      out.append(in_.substr(pos_, n->value));
      pos_ += n->value;
    }
  }

  bool at_break() {
    if (left() > 0 && static_cast<uint8_t>(in_[pos_]) == 0xff) {
      ++pos_;
      return true;
    }
    return false;
  }

  Result<json::value> item(int depth) {
    if (depth > kMaxDepth) return fail("nesting deeper than " + std::to_string(kMaxDepth));
    if (left() == 0) return fail("truncated item");
    auto b = static_cast<uint8_t>(in_[pos_++]);
    unsigned major = b >> 5;
    unsigned ai = b & 0x1f;
    if (major == 7) return simple(ai);
    auto arg = argument(ai);
    if (!arg) return fail("reserved or truncated length");
    if (arg->indefinite && (major == 0 || major == 1 || major == 6)) {
      return fail("indefinite length on an integer or tag");
    }
    uint64_t n = arg->value;
    switch (major) {
      case 0:
        if (n <= static_cast<uint64_t>(INT64_MAX)) return json::value(static_cast<int64_t>(n));
        return json::value(n);
      case 1:
        if (n <= static_cast<uint64_t>(INT64_MAX)) return json::value(-1 - static_cast<int64_t>(n));
        return json::value(-1.0 - static_cast<double>(n));
      case 2: {
        auto s = string_of(2, *arg);
        if (!s) return s.take_error();
        return json::value(base64_encode(*s));
      }
      case 3: {
        auto s = string_of(3, *arg);
        if (!s) return s.take_error();
        if (!valid_utf8(*s)) return fail("text string is not valid UTF-8");
        return json::value(json::string(*s));
      }
      case 4:
        return array(*arg, depth);
      case 5:
        return map(*arg, depth);
      default:
        return tagged(n, depth);
    }
  }

  Result<json::value> array(Arg count, int depth) {
    json::array out;
    if (!count.indefinite) {
      // Every item takes at least one byte.
      if (count.value > left()) return fail("array longer than the body");
      out.reserve(count.value);
    }
    for (uint64_t i = 0; count.indefinite || i < count.value; ++i) {
      if (count.indefinite && at_break()) break;
      auto v = item(depth + 1);
      if (!v) return v;
      out.push_back(std::move(*v));
    }
    return json::value(std::move(out));
  }

  Result<json::value> map(Arg count, int depth) {
    json::object out;
    if (!count.indefinite && count.value > left() / 2) return fail("map longer than the body");
    for (uint64_t i = 0; count.indefinite || i < count.value; ++i) {
      if (count.indefinite && at_break()) break;
      if (left() == 0) return fail("truncated map");
      auto kb = static_cast<uint8_t>(in_[pos_]);
      if ((kb >> 5) != 3) return fail("map key is not a text string");
      auto key = item(depth + 1);
      if (!key) return key;
      auto v = item(depth + 1);
      if (!v) return v;
      out.insert_or_assign(key->get_string(), std::move(*v));
    }
    return json::value(std::move(out));
  }

  // Tag 1 (epoch time: milliseconds as AWS's Java SDKs write it, or seconds
  // for RPC v2) becomes epoch seconds; other tags stand for their content.
  Result<json::value> tagged(uint64_t tag, int depth) {
    auto v = item(depth + 1);
    if (!v || tag != 1) return v;
    if (!v->is_number()) return fail("tag 1 on something other than a number");
    if (epoch_ == Epoch::kSeconds) {
      if (!std::isfinite(v->to_number<double>()))
        return fail("tag 1 on a number that is not finite");
      return v;
    }
    double seconds = v->to_number<double>() / 1000.0;
    if (!std::isfinite(seconds)) return fail("tag 1 on a number that is not finite");
    return json::value(seconds);
  }

  Result<json::value> simple(unsigned ai) {
    switch (ai) {
      case 20:
        return json::value(false);
      case 21:
        return json::value(true);
      case 22:
      case 23:
        return json::value(nullptr);
      case 25: {
        auto h = argument(ai);
        if (!h) return fail("truncated half float");
        return json::value(half_to_double(static_cast<uint16_t>(h->value)));
      }
      case 26: {
        auto f = argument(ai);
        if (!f) return fail("truncated float");
        return json::value(
            static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(f->value))));
      }
      case 27: {
        auto d = argument(ai);
        if (!d) return fail("truncated double");
        return json::value(std::bit_cast<double>(d->value));
      }
      case 31:
        return fail("break outside an indefinite-length item");
      default:
        return fail("unsupported simple value");
    }
  }

  std::string_view in_;
  Epoch epoch_;
  size_t pos_ = 0;
};

}  // namespace

Result<json::value> decode(std::string_view bytes, Epoch epoch) {
  return Decoder(bytes, epoch).top();
}

}  // namespace nimbus::protocol::cbor
