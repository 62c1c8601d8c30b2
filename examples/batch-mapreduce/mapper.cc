// The native mapper: what mapper.py does, as a provided.al2 `bootstrap`.
// Same event in ({input_bucket, output_bucket, job, key}), same partial out
// (jobs/<job>/partials/<key>.json, json.dumps(counts, sort_keys=True)'s
// bytes), same return value ({key, partial, words}); an object that is not
// UTF-8 fails with UnreadableInput. The object is streamed from S3 through a
// fixed buffer (only a word cut by a read waits for the next one), both
// requests are signed with the project's SigV4 signer.
//
// Words: lower-cased runs of [A-Za-z0-9_], inner apostrophes kept (don't),
// as mapper.py's \w+(?:'\w+)* on ASCII text. For speed every byte of a
// non-ASCII character counts as a letter and is not lower-cased: for ASCII
// text the counts are mapper.py's; see README.md for the rest.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4.h"
#include "common/encoding.h"
#include "runtime/sdk/lambda_function.h"

namespace {

namespace json = boost::json;
using nimbus::lambda::Invocation;
using nimbus::lambda::Response;

// An S3 error response or a broken connection: its code becomes the
// invocation's errorType.
struct Failure : std::runtime_error {
  std::string type;
  Failure(std::string t, const std::string& message)
      : std::runtime_error(message), type(std::move(t)) {}
};

std::string env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// One request on its own connection to the endpoint: head and body out,
// the response's head read, its body left on the socket for read().
class Exchange {
 public:
  Exchange(const std::string& host, const std::string& port, const std::string& wire) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res)
      throw Failure("ConnectionError", "cannot resolve " + host);
    for (addrinfo* a = res; a && fd_ < 0; a = a->ai_next) {
      fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd_ >= 0 && ::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
        ::close(fd_);
        fd_ = -1;
      }
    }
    freeaddrinfo(res);
    if (fd_ < 0) throw Failure("ConnectionError", "cannot connect to " + host + ":" + port);
    for (size_t off = 0; off < wire.size();) {
      ssize_t n = ::send(fd_, wire.data() + off, wire.size() - off, MSG_NOSIGNAL);
      if (n <= 0) throw Failure("ConnectionError", "send failed");
      off += static_cast<size_t>(n);
    }
    size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) throw Failure("ConnectionError", "connection closed before a response");
      pending_.append(tmp, static_cast<size_t>(n));
    }
    std::string head = pending_.substr(0, end + 2);
    pending_.erase(0, end + 4);
    status_ = std::atoi(head.c_str() + head.find(' ') + 1);
    if (!nimbus::lambda::detail::Connection::header(head, "transfer-encoding").empty())
      throw Failure("ConnectionError", "chunked responses are not read");
    remaining_ = std::strtoull(
        nimbus::lambda::detail::Connection::header(head, "content-length").c_str(), nullptr, 10);
  }
  ~Exchange() { ::close(fd_); }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  int status() const { return status_; }
  // Up to `cap` bytes of the body into `out`; 0 at its end.
  size_t read(char* out, size_t cap) {
    cap = std::min<size_t>(cap, remaining_);
    if (cap == 0) return 0;
    size_t n;
    if (!pending_.empty()) {
      n = std::min(cap, pending_.size());
      std::memcpy(out, pending_.data(), n);
      pending_.erase(0, n);
    } else {
      ssize_t got = ::recv(fd_, out, cap, 0);
      if (got <= 0) throw Failure("ConnectionError", "connection closed mid-body");
      n = static_cast<size_t>(got);
    }
    remaining_ -= n;
    return n;
  }
  std::string read_all() {
    std::string body(remaining_, '\0');
    for (size_t off = 0; off < body.size();) off += read(body.data() + off, body.size() - off);
    return body;
  }
  // A non-2xx response as a Failure named by S3's <Code>.
  void check() {
    if (status_ / 100 == 2) return;
    std::string body = read_all();
    auto tag = [&](std::string_view name) {
      std::string open = "<" + std::string(name) + ">", close = "</" + std::string(name) + ">";
      size_t a = body.find(open), b = body.find(close);
      return a == std::string::npos || b == std::string::npos
                 ? std::string()
                 : body.substr(a + open.size(), b - a - open.size());
    };
    std::string code = tag("Code");
    throw Failure(code.empty() ? "HTTP" + std::to_string(status_) : code, tag("Message"));
  }

 private:
  int fd_ = -1;
  int status_ = 0;
  size_t remaining_ = 0;
  std::string pending_;
};

// S3 as the function's environment names it (AWS_ENDPOINT_URL[_S3], the
// role's credentials, AWS_REGION), path-style requests.
class S3 {
 public:
  S3() {
    std::string url = env("AWS_ENDPOINT_URL_S3", env("AWS_ENDPOINT_URL", "").c_str());
    if (!url.starts_with("http://")) throw Failure("ConfigError", "AWS_ENDPOINT_URL must be http");
    std::string hostport = url.substr(7, url.find('/', 7) - 7);
    host_header_ = hostport;
    size_t colon = hostport.rfind(':');
    host_ = hostport.substr(0, colon);
    port_ = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
    creds_.access_key_id = env("AWS_ACCESS_KEY_ID");
    creds_.secret_access_key = env("AWS_SECRET_ACCESS_KEY");
    creds_.session_token = env("AWS_SESSION_TOKEN");
    region_ = env("AWS_REGION", env("AWS_DEFAULT_REGION", "us-east-1").c_str());
  }

  Exchange get(const std::string& bucket, const std::string& key) {
    return Exchange(host_, port_, wire("GET", bucket, key, {}, {}));
  }
  void put(const std::string& bucket, const std::string& key, std::string body,
           const std::string& content_type) {
    Exchange e(host_, port_, wire("PUT", bucket, key, std::move(body), content_type));
    e.check();
  }

 private:
  std::string wire(const char* method, const std::string& bucket, const std::string& key,
                   std::string body, const std::string& content_type) {
    nimbus::http::Request r;
    r.method = method;
    r.target = "/" + bucket + "/" + nimbus::percent_encode(key, true);
    r.headers.emplace_back("host", host_header_);
    if (r.method == "GET") {
      r.headers.emplace_back("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
    } else {
      r.headers.emplace_back("content-type", content_type);
      r.headers.emplace_back("content-length", std::to_string(body.size()));
      r.body = std::move(body);
    }
    nimbus::auth::sign(r, creds_, region_, "s3", std::chrono::system_clock::now());
    std::string out = r.method + " " + r.target + " HTTP/1.1\r\n";
    for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
    out += "connection: close\r\n\r\n";
    return out + r.body;
  }

  std::string host_, port_, host_header_, region_;
  nimbus::auth::Credentials creds_;
};

// Word -> count: open addressing over hashes computed once per word, the
// words themselves in one arena (a few thousand distinct words stay in cache).
class Table {
 public:
  void add(const char* word, size_t len) {
    uint64_t h = hash(word, len);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.count == 0) {
        s = {h, arena_.size(), len, 1};
        arena_.append(word, len);
        if (++used_ * 2 > slots_.size()) grow();
        return;
      }
      if (s.hash == h && s.len == len && std::memcmp(arena_.data() + s.off, word, len) == 0) {
        ++s.count;
        return;
      }
    }
  }
  // (word, count) in the words' byte order, which is their code point order.
  std::vector<std::pair<std::string_view, uint64_t>> sorted() const {
    std::vector<std::pair<std::string_view, uint64_t>> out;
    out.reserve(used_);
    for (const Slot& s : slots_)
      if (s.count) out.emplace_back(std::string_view(arena_).substr(s.off, s.len), s.count);
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    size_t off = 0, len = 0;
    uint64_t count = 0;  // 0: empty
  };
  static uint64_t hash(const char* p, size_t len) {
    constexpr uint64_t k = 0x9E3779B97F4A7C15ull;
    uint64_t h = len * k;
    for (; len >= 8; p += 8, len -= 8) {
      uint64_t v;
      std::memcpy(&v, p, 8);
      h = (h ^ v) * k;
      h ^= h >> 32;
    }
    uint64_t v = 0;
    std::memcpy(&v, p, len);
    h = (h ^ v) * k;
    return h ^ (h >> 29);
  }
  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.count == 0) continue;
      size_t i = s.hash & mask_;
      while (slots_[i].count) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_ = std::vector<Slot>(4096);
  size_t mask_ = 4095, used_ = 0;
  std::string arena_;
};

enum : unsigned char { kSep, kWord, kQuote };

constexpr std::array<unsigned char, 256> kClass = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c >= 0x80;
    t[c] = word ? kWord : c == '\'' ? kQuote : kSep;
  }
  return t;
}();

constexpr std::array<unsigned char, 256> kLower = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return t;
}();

// Word counts of a byte stream read into space(): validates UTF-8 (as
// Python's strict decoder: no overlongs, surrogates or code points past
// U+10FFFF, nothing truncated at the end) and lower-cases as it goes.
class Counter {
 public:
  Counter() : buf_(256 * 1024) {}

  // Where the next read goes and how much fits (one call: growing the
  // buffer for a very long word moves it).
  std::pair<char*, size_t> space() {
    if (buf_.size() - carry_ < 64 * 1024) buf_.resize(buf_.size() * 2);
    return {buf_.data() + carry_, buf_.size() - carry_};
  }
  // `n` bytes were read into space(); false when they are not UTF-8.
  bool add(size_t n) {
    if (!validate(carry_, carry_ + n)) return false;
    offset_ += n;
    carry_ = scan(carry_ + n, false);
    return true;
  }
  bool finish() {
    if (need_ != 0) return false;
    scan(carry_, true);
    carry_ = 0;
    return true;
  }
  // Bytes read so far; after add() failed, the offset of the bad byte.
  uint64_t offset() const { return offset_; }
  uint64_t total() const { return total_; }

  // json.dumps(counts, sort_keys=True): ", " and ": " separators, non-ASCII
  // as \uXXXX (lower-case hex, surrogate pairs above U+FFFF).
  std::string to_json() const {
    std::string out = "{";
    for (const auto& [word, count] : table_.sorted()) {
      if (out.size() > 1) out += ", ";
      out += '"';
      escape(word, out);
      out += "\": " + std::to_string(count);
    }
    return out + "}";
  }

 private:
  static void escape(std::string_view w, std::string& out) {
    auto hex = [&](unsigned u) {
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) out += "0123456789abcdef"[(u >> shift) & 0xF];
    };
    for (size_t i = 0; i < w.size();) {
      unsigned char c = static_cast<unsigned char>(w[i]);
      if (c < 0x80) {
        out += static_cast<char>(c);
        ++i;
        continue;
      }
      int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      unsigned cp = c & (0x7F >> len);
      for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(w[i + k]) & 0x3F);
      i += static_cast<size_t>(len);
      if (cp > 0xFFFF) {
        cp -= 0x10000;
        hex(0xD800 + (cp >> 10));
        hex(0xDC00 + (cp & 0x3FF));
      } else {
        hex(cp);
      }
    }
  }

  bool validate(size_t from, size_t to) {
    const unsigned char* b = reinterpret_cast<const unsigned char*>(buf_.data());
    for (size_t p = from; p < to; ++p) {
      if (need_ == 0) {  // ASCII eight bytes at a time
        for (uint64_t v; p + 8 <= to; p += 8) {
          std::memcpy(&v, b + p, 8);
          if (v & 0x8080808080808080ull) break;
        }
        if (p == to) break;
      }
      unsigned char c = b[p];
      if (need_) {
        if (c < lo_ || c > hi_) return fail(p - from);
        lo_ = 0x80, hi_ = 0xBF, --need_;
      } else if (c < 0x80) {
      } else if (c >= 0xC2 && c <= 0xDF) {
        need_ = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        need_ = 2;
        if (c == 0xE0) lo_ = 0xA0;
        if (c == 0xED) hi_ = 0x9F;
      } else if (c >= 0xF0 && c <= 0xF4) {
        need_ = 3;
        if (c == 0xF0) lo_ = 0x90;
        if (c == 0xF4) hi_ = 0x8F;
      } else {
        return fail(p - from);
      }
    }
    return true;
  }
  bool fail(size_t at) {
    offset_ += at;
    return false;
  }

  // Counts the words of buf_[0, n), lower-casing them in place; returns the
  // length of the word that may go on in the next read (moved to the
  // front), or 0.
  size_t scan(size_t n, bool final) {
    unsigned char* b = reinterpret_cast<unsigned char*>(buf_.data());
    size_t i = 0;
    while (i < n) {
      while (i < n && kClass[b[i]] != kWord) ++i;
      if (i == n) break;
      size_t start = i;
      for (;;) {
        for (; i < n && kClass[b[i]] == kWord; ++i) b[i] = kLower[b[i]];
        if (i + 1 < n && b[i] == '\'' && kClass[b[i + 1]] == kWord) {
          ++i;
          continue;
        }
        break;
      }
      if (!final && (i == n || (i + 1 == n && b[i] == '\''))) {
        std::memmove(buf_.data(), buf_.data() + start, n - start);
        return n - start;
      }
      table_.add(buf_.data() + start, i - start);
      ++total_;
    }
    return 0;
  }

  std::vector<char> buf_;
  size_t carry_ = 0;
  int need_ = 0;
  unsigned char lo_ = 0x80, hi_ = 0xBF;
  uint64_t offset_ = 0, total_ = 0;
  Table table_;
};

std::string field(const json::object& event, const char* name) {
  const json::value* v = event.if_contains(name);
  if (!v || !v->is_string()) throw Failure("KeyError", std::string("no '") + name + "' in event");
  return std::string(v->as_string());
}

Response handle(S3& s3, const Invocation& inv) {
  json::object event = json::parse(inv.payload).as_object();
  std::string input = field(event, "input_bucket"), output = field(event, "output_bucket");
  std::string job = field(event, "job"), key = field(event, "key");
  Counter counter;
  {
    Exchange get = s3.get(input, key);
    get.check();
    for (;;) {
      auto [at, room] = counter.space();
      size_t n = get.read(at, room);
      if (n == 0) break;
      if (!counter.add(n))
        throw Failure("UnreadableInput",
                      "not UTF-8 text: invalid byte at offset " + std::to_string(counter.offset()));
    }
  }
  if (!counter.finish())
    throw Failure("UnreadableInput", "not UTF-8 text: truncated character at the end");
  std::string partial = "jobs/" + job + "/partials/" + key + ".json";
  s3.put(output, partial, counter.to_json(), "application/json");
  json::object result{{"key", key}, {"partial", partial}, {"words", counter.total()}};
  return Response::ok(json::serialize(result));
}

}  // namespace

int main() {
  return nimbus::lambda::run([](const Invocation& inv) {
    try {
      S3 s3;
      return handle(s3, inv);
    } catch (const Failure& f) {
      json::object body{{"errorMessage", f.what()}, {"errorType", f.type}};
      return Response{json::serialize(body), f.type};
    } catch (const std::exception& e) {
      json::object body{{"errorMessage", e.what()}, {"errorType", "Exception"}};
      return Response{json::serialize(body), "Exception"};
    }
  });
}
