// The intrinsic functions themselves, as the Step Functions developer guide
// defines them (argument types, limits, results).
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>

#include "common/encoding.h"
#include "services/stepfunctions/asl/errors.h"
#include "services/stepfunctions/asl/intrinsic_call.h"

namespace nimbus::sfn::asl {

namespace json = boost::json;

namespace {

using Args = std::vector<json::value>;
using Fn = Result<json::value> (*)(const std::string& name, Args& a);

Error failure(const std::string& name, const std::string& message) {
  return state_error("States.IntrinsicFailure", "Invalid arguments in " + name + ": " + message);
}

std::string text_of(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

bool is_integer(const json::value& v) {
  // Integers a JSON number carries exactly (|v| <= 2^53): sums and range
  // steps of two of them stay far from int64 overflow.
  constexpr int64_t kMax = int64_t{1} << 53;
  if (v.is_int64()) return v.as_int64() >= -kMax && v.as_int64() <= kMax;
  if (v.is_uint64()) return v.as_uint64() <= static_cast<uint64_t>(kMax);
  return v.is_double() && std::floor(v.as_double()) == v.as_double() &&
         std::fabs(v.as_double()) <= static_cast<double>(kMax);
}

int64_t integer(const json::value& v) {
  return v.is_double() ? static_cast<int64_t>(v.as_double()) : v.to_number<int64_t>();
}

Result<json::value> format(const std::string& name, Args& a) {
  if (!a[0].is_string()) return failure(name, "the first argument must be a string");
  std::string_view t = a[0].as_string();
  std::string out;
  size_t next = 1;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '\\' && i + 1 < t.size()) {
      out.push_back(t[++i]);
    } else if (t[i] == '{' && i + 1 < t.size() && t[i + 1] == '}') {
      if (next >= a.size()) return failure(name, "more placeholders than arguments");
      const json::value& v = a[next++];
      if (v.is_structured())
        return failure(name, "an argument is not a string, number, boolean or null");
      out += text_of(v);
      ++i;
    } else {
      out.push_back(t[i]);
    }
  }
  if (next != a.size()) return failure(name, "more arguments than placeholders");
  return json::value(json::string(out));
}

Result<json::value> string_to_json(const std::string& name, Args& a) {
  if (!a[0].is_string()) return failure(name, "the argument must be a string");
  json::error_code ec;
  json::value v = json::parse(a[0].as_string(), ec);
  if (ec) return failure(name, "the argument is not valid JSON");
  return v;
}

Result<json::value> json_to_string(const std::string&, Args& a) {
  return json::value(json::string(json::serialize(a[0])));
}

Result<json::value> array(const std::string&, Args& a) {
  json::array out;
  for (auto& v : a) out.push_back(std::move(v));
  return json::value(std::move(out));
}

Result<json::value> array_partition(const std::string& name, Args& a) {
  if (!a[0].is_array() || !is_integer(a[1]) || integer(a[1]) <= 0) {
    return failure(name, "expects an array and a positive chunk size");
  }
  size_t size = static_cast<size_t>(integer(a[1]));
  json::array out, chunk;
  for (auto& v : a[0].as_array()) {
    chunk.push_back(std::move(v));
    if (chunk.size() == size) out.push_back(std::exchange(chunk, {}));
  }
  if (!chunk.empty()) out.push_back(std::move(chunk));
  return json::value(std::move(out));
}

Result<json::value> array_contains(const std::string& name, Args& a) {
  if (!a[0].is_array()) return failure(name, "the first argument must be an array");
  const auto& arr = a[0].as_array();
  return json::value(std::find(arr.begin(), arr.end(), a[1]) != arr.end());
}

Result<json::value> array_range(const std::string& name, Args& a) {
  for (const auto& v : a) {
    if (!is_integer(v)) return failure(name, "every argument must be an integer");
  }
  int64_t from = integer(a[0]), to = integer(a[1]), step = integer(a[2]);
  if (step == 0) return failure(name, "the step must not be 0");
  json::array out;
  for (int64_t i = from; step > 0 ? i <= to : i >= to; i += step) {
    if (out.size() == 1000) return failure(name, "the range has more than 1000 items");
    out.push_back(i);
  }
  return json::value(std::move(out));
}

Result<json::value> array_get_item(const std::string& name, Args& a) {
  if (!a[0].is_array() || !is_integer(a[1]) || integer(a[1]) < 0) {
    return failure(name, "expects an array and a non-negative index");
  }
  auto& arr = a[0].as_array();
  size_t i = static_cast<size_t>(integer(a[1]));
  if (i >= arr.size()) return failure(name, "the index is out of bounds");
  return std::move(arr[i]);
}

Result<json::value> array_length(const std::string& name, Args& a) {
  if (!a[0].is_array()) return failure(name, "the argument must be an array");
  return json::value(static_cast<int64_t>(a[0].as_array().size()));
}

Result<json::value> array_unique(const std::string& name, Args& a) {
  if (!a[0].is_array()) return failure(name, "the argument must be an array");
  json::array out;
  for (auto& v : a[0].as_array()) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(std::move(v));
  }
  return json::value(std::move(out));
}

Result<json::value> base64_encode_fn(const std::string& name, Args& a) {
  if (!a[0].is_string()) return failure(name, "the argument must be a string");
  if (a[0].as_string().size() > 10000) return failure(name, "the input exceeds 10000 characters");
  return json::value(json::string(base64_encode(a[0].as_string())));
}

Result<json::value> base64_decode_fn(const std::string& name, Args& a) {
  if (!a[0].is_string()) return failure(name, "the argument must be a string");
  if (a[0].as_string().size() > 10000) return failure(name, "the input exceeds 10000 characters");
  auto out = base64_decode(a[0].as_string());
  if (!out) return failure(name, "the argument is not valid base64");
  return json::value(json::string(*out));
}

Result<json::value> hash(const std::string& name, Args& a) {
  static const std::map<std::string, const EVP_MD* (*)()> kAlgorithms = {{"MD5", EVP_md5},
                                                                         {"SHA-1", EVP_sha1},
                                                                         {"SHA-256", EVP_sha256},
                                                                         {"SHA-384", EVP_sha384},
                                                                         {"SHA-512", EVP_sha512}};
  if (!a[1].is_string()) return failure(name, "the algorithm must be a string");
  auto it = kAlgorithms.find(std::string(a[1].as_string()));
  if (it == kAlgorithms.end()) {
    return failure(name, "the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512");
  }
  std::string data = text_of(a[0]);
  if (data.size() > 10000) return failure(name, "the input exceeds 10000 characters");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, it->second(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return json::value(json::string(out));
}

Result<json::value> json_merge(const std::string& name, Args& a) {
  if (!a[0].is_object() || !a[1].is_object()) return failure(name, "expects two objects");
  if (!a[2].is_bool() || a[2].as_bool()) return failure(name, "deep merging is not supported");
  json::object out = std::move(a[0].as_object());
  for (auto& [k, v] : a[1].as_object()) out[k] = std::move(v);
  return json::value(std::move(out));
}

std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

Result<json::value> math_random(const std::string& name, Args& a) {
  for (const auto& v : a) {
    if (!is_integer(v)) return failure(name, "every argument must be an integer");
  }
  int64_t from = integer(a[0]), to = integer(a[1]);
  if (to <= from) return failure(name, "the end must be greater than the start");
  std::mt19937_64 seeded(a.size() == 3 ? static_cast<uint64_t>(integer(a[2])) : rng()());
  std::uniform_int_distribution<int64_t> dist(from, to - 1);
  return json::value(dist(seeded));
}

Result<json::value> math_add(const std::string& name, Args& a) {
  if (!is_integer(a[0]) || !is_integer(a[1]))
    return failure(name, "both arguments must be integers");
  return json::value(integer(a[0]) + integer(a[1]));
}

Result<json::value> string_split(const std::string& name, Args& a) {
  if (!a[0].is_string() || !a[1].is_string()) return failure(name, "expects two strings");
  std::string_view s = a[0].as_string(), delims = a[1].as_string();
  json::array out;
  std::string cur;
  for (char c : s) {
    if (delims.find(c) != std::string_view::npos) {
      if (!cur.empty()) out.push_back(json::string(std::exchange(cur, {})));
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(json::string(cur));
  return json::value(std::move(out));
}

Result<json::value> uuid(const std::string&, Args&) {
  uint64_t hi = rng()(), lo = rng()();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return json::value(json::string(buf));
}

struct Entry {
  Arity arity;
  Fn fn;
};

const std::map<std::string, Entry, std::less<>>& table() {
  static const std::map<std::string, Entry, std::less<>> kTable = {
      {"States.Format", {{1, 64}, format}},
      {"States.StringToJson", {{1, 1}, string_to_json}},
      {"States.JsonToString", {{1, 1}, json_to_string}},
      {"States.Array", {{0, 1000}, array}},
      {"States.ArrayPartition", {{2, 2}, array_partition}},
      {"States.ArrayContains", {{2, 2}, array_contains}},
      {"States.ArrayRange", {{3, 3}, array_range}},
      {"States.ArrayGetItem", {{2, 2}, array_get_item}},
      {"States.ArrayLength", {{1, 1}, array_length}},
      {"States.ArrayUnique", {{1, 1}, array_unique}},
      {"States.Base64Encode", {{1, 1}, base64_encode_fn}},
      {"States.Base64Decode", {{1, 1}, base64_decode_fn}},
      {"States.Hash", {{2, 2}, hash}},
      {"States.JsonMerge", {{3, 3}, json_merge}},
      {"States.MathRandom", {{2, 3}, math_random}},
      {"States.MathAdd", {{2, 2}, math_add}},
      {"States.StringSplit", {{2, 2}, string_split}},
      {"States.UUID", {{0, 0}, uuid}},
  };
  return kTable;
}

}  // namespace

std::optional<Arity> intrinsic_arity(std::string_view name) {
  auto it = table().find(name);
  if (it == table().end()) return std::nullopt;
  return it->second.arity;
}

Result<json::value> call_intrinsic(const IntrinsicCall& call, const json::value& input,
                                   const json::value& context, const json::object* vars) {
  Args args;
  for (const auto& a : call.args) {
    if (const auto* lit = std::get_if<json::value>(&a.arg)) {
      args.push_back(*lit);
    } else if (const auto* p = std::get_if<Path>(&a.arg)) {
      auto v = p->find_in(input, context, vars);
      if (!v) {
        return state_error("States.Runtime", "The JsonPath argument for the field '" + p->text() +
                                                 "' could not be found in the input '" +
                                                 json::serialize(input) + "'");
      }
      args.push_back(std::move(*v));
    } else {
      auto v = call_intrinsic(*std::get<std::shared_ptr<const IntrinsicCall>>(a.arg), input,
                              context, vars);
      if (!v) return v.error();
      args.push_back(std::move(*v));
    }
  }
  return table().find(call.name)->second.fn(call.name, args);
}

}  // namespace nimbus::sfn::asl
