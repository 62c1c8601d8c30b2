// The function library's table: JSONata's names and signatures.
#include <array>

#include "common/jsonata/functions.h"

namespace nimbus::jsonata {

namespace {
std::vector<Builtin> make_table() {
  std::vector<Builtin> t = {
      {"string", "<x-b?:s>", fns::string, {}},
      {"length", "<s-:n>", fns::length, {}},
      {"substring", "<s-nn?:s>", fns::substring, {}},
      {"substringBefore", "<s-s:s>", fns::substring_before, {}},
      {"substringAfter", "<s-s:s>", fns::substring_after, {}},
      {"uppercase", "<s-:s>", fns::uppercase, {}},
      {"lowercase", "<s-:s>", fns::lowercase, {}},
      {"trim", "<s-:s>", fns::trim, {}},
      {"pad", "<s-ns?:s>", fns::pad, {}},
      {"contains", "<s-(sf):b>", fns::contains, {}},
      {"split", "<s-(sf)n?:a<s>>", fns::split, {}},
      {"join", "<a<s>s?:s>", fns::join, {}},
      {"replace", "<s-(sf)(sf)n?:s>", fns::replace, {}},
      {"match", "<s-fn?:a<o>>", fns::match, {}},
      {"base64encode", "<s-:s>", fns::base64encode, {}},
      {"base64decode", "<s-:s>", fns::base64decode, {}},
      {"encodeUrlComponent", "<s-:s>", fns::encode_url_component, {}},
      {"encodeUrl", "<s-:s>", fns::encode_url, {}},
      {"decodeUrlComponent", "<s-:s>", fns::decode_url_component, {}},
      {"decodeUrl", "<s-:s>", fns::decode_url, {}},
      {"error", "<s?:x>", fns::error, {}},
      {"assert", "<bs?:x>", fns::assert_, {}},
      {"eval", "<sx?:x>", fns::eval_unsupported, {}},
      {"number", "<(nsb)-:n>", fns::number, {}},
      {"abs", "<n-:n>", fns::abs, {}},
      {"floor", "<n-:n>", fns::floor, {}},
      {"ceil", "<n-:n>", fns::ceil, {}},
      {"round", "<n-n?:n>", fns::round, {}},
      {"power", "<n-n:n>", fns::power, {}},
      {"sqrt", "<n-:n>", fns::sqrt, {}},
      {"random", "<:n>", fns::random, {}},
      {"formatBase", "<n-n?:s>", fns::format_base, {}},
      {"formatNumber", "<n-so?:s>", fns::format_number_picture, {}},
      {"formatInteger", "<n-s:s>", fns::format_integer, {}},
      {"parseInteger", "<s-s:n>", fns::parse_integer, {}},
      {"shuffle", "<a:a>", fns::shuffle, {}},
      {"sum", "<a<n>:n>", fns::sum, {}},
      {"max", "<a<n>:n>", fns::max, {}},
      {"min", "<a<n>:n>", fns::min, {}},
      {"average", "<a<n>:n>", fns::average, {}},
      {"count", "<a:n>", fns::count, {}},
      {"boolean", "<x-:b>", fns::boolean, {}},
      {"not", "<x-:b>", fns::not_, {}},
      {"exists", "<x:b>", fns::exists, {}},
      {"type", "<x:s>", fns::type, {}},
      {"keys", "<x-:a<s>>", fns::keys, {}},
      {"lookup", "<x-s:x>", fns::lookup, {}},
      {"merge", "<a<o>:o>", fns::merge, {}},
      {"each", "<o-f:a>", fns::each, {}},
      {"spread", "<x-:a<o>>", fns::spread, {}},
      {"sift", "<o-f?:o>", fns::sift, {}},
      {"append", "<xx:a>", fns::append, {}},
      {"reverse", "<a:a>", fns::reverse, {}},
      {"sort", "<af?:a>", fns::sort, {}},
      {"distinct", "<x:x>", fns::distinct, {}},
      {"zip", "<a+>", fns::zip, {}},
      {"map", "<af>", fns::map, {}},
      {"filter", "<af>", fns::filter, {}},
      {"single", "<af?>", fns::single, {}},
      {"reduce", "<afj?:j>", fns::reduce, {}},
      {"now", "<s?s?:s>", fns::now, {}},
      {"millis", "<:n>", fns::millis, {}},
      {"fromMillis", "<n-s?s?:s>", fns::from_millis, {}},
      {"toMillis", "<s-s?:n>", fns::to_millis, {}},
  };
  for (auto& b : t) b.params = parse_signature(b.signature);
  return t;
}
}  // namespace

const Builtin* find_builtin(std::string_view name) {
  static const std::vector<Builtin> table = make_table();
  for (const auto& b : table) {
    if (name == b.name) return &b;
  }
  return nullptr;
}

}  // namespace nimbus::jsonata
