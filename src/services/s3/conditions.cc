#include "services/s3/conditions.h"

#include <charconv>
#include <cmath>

#include "common/encoding.h"
#include "services/s3/errors.h"

namespace nimbus::services::s3 {

namespace {

std::optional<uint64_t> number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.starts_with("W/")) s.remove_prefix(2);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

// A timestamp member (seconds since the epoch) of the input.
std::optional<int64_t> seconds(const boost::json::object& in, std::string_view name) {
  const auto* v = in.if_contains(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_double()) return static_cast<int64_t>(std::floor(v->as_double()));
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return std::nullopt;
}

const boost::json::string* text(const boost::json::object& in, std::string_view name) {
  const auto* v = in.if_contains(name);
  return v != nullptr && v->is_string() ? &v->as_string() : nullptr;
}

}  // namespace

ByteRange parse_range(std::string_view header, uint64_t size) {
  header = trim(header);
  if (!header.starts_with("bytes=")) return {};
  std::string_view spec = trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return {};
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  std::string_view a = trim(spec.substr(0, dash));
  std::string_view b = trim(spec.substr(dash + 1));
  if (a.empty()) {  // suffix: the last N bytes
    auto n = number(b);
    if (!n) return {};
    if (*n == 0 || size == 0) return {ByteRange::kUnsatisfiable};
    uint64_t len = std::min(*n, size);
    return {ByteRange::kPart, size - len, len};
  }
  auto first = number(a);
  if (!first) return {};
  std::optional<uint64_t> last;
  if (!b.empty()) {
    last = number(b);
    if (!last || *last < *first) return {};
  }
  if (*first >= size) return {ByteRange::kUnsatisfiable};
  uint64_t end = last ? std::min(*last, size - 1) : size - 1;
  return {ByteRange::kPart, *first, end - *first + 1};
}

bool etag_matches(std::string_view list, std::string_view etag) {
  std::string_view want = unquote(etag);
  while (true) {
    auto comma = list.find(',');
    std::string_view item = trim(list.substr(0, comma));
    if (item == "*" || (!item.empty() && unquote(item) == want)) return true;
    if (comma == std::string_view::npos) return false;
    list.remove_prefix(comma + 1);
  }
}

std::optional<Error> check_read_conditions(const boost::json::object& in, std::string_view etag,
                                           int64_t modified_ms) {
  int64_t modified = modified_ms / 1000;  // HTTP dates have whole seconds
  const auto* if_match = text(in, "IfMatch");
  const auto* if_none_match = text(in, "IfNoneMatch");
  auto since = seconds(in, "IfModifiedSince");
  auto unmodified_since = seconds(in, "IfUnmodifiedSince");
  if (if_match != nullptr) {
    if (!etag_matches(*if_match, etag)) return errors::precondition_failed("If-Match");
  } else if (unmodified_since && modified > *unmodified_since) {
    return errors::precondition_failed("If-Unmodified-Since");
  }
  if (if_none_match != nullptr) {
    if (etag_matches(*if_none_match, etag)) return errors::not_modified();
  } else if (since && modified <= *since) {
    return errors::not_modified();
  }
  return std::nullopt;
}

std::optional<CopySource> parse_copy_source(std::string_view text) {
  std::string_view raw = text;
  std::string version;
  if (auto q = raw.find('?'); q != std::string_view::npos) {
    std::string_view query = raw.substr(q + 1);
    raw = raw.substr(0, q);
    if (!query.starts_with("versionId=")) return std::nullopt;
    version = percent_decode(query.substr(10));
  }
  std::string path = percent_decode(raw);
  if (path.starts_with('/')) path.erase(0, 1);
  auto slash = path.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == path.size()) return std::nullopt;
  return CopySource{path.substr(0, slash), path.substr(slash + 1), version};
}

}  // namespace nimbus::services::s3
