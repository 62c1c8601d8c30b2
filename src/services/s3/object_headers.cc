// The headers an object keeps and returns.
#include "services/s3/object_headers.h"

namespace nimbus::services::s3 {

namespace json = boost::json;

namespace {

// The system headers an object keeps, by their member names.
constexpr std::string_view kStoredHeaders[] = {
    "CacheControl", "ContentDisposition",     "ContentEncoding", "ContentLanguage", "ContentType",
    "Expires",      "WebsiteRedirectLocation"};

// The response-* query parameters that override a stored header on GET.
constexpr std::pair<std::string_view, std::string_view> kOverrides[] = {
    {"ResponseCacheControl", "CacheControl"},
    {"ResponseContentDisposition", "ContentDisposition"},
    {"ResponseContentEncoding", "ContentEncoding"},
    {"ResponseContentLanguage", "ContentLanguage"},
    {"ResponseContentType", "ContentType"},
    {"ResponseExpires", "Expires"}};

// Content-Encoding without the aws-chunked framing the SDKs announce there.
std::string stored_encoding(std::string_view v) {
  std::string out;
  while (!v.empty()) {
    auto comma = v.find(',');
    std::string_view item = v.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty() && item != "aws-chunked") {
      if (!out.empty()) out += ",";
      out += item;
    }
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

json::object stored_headers(const json::object& in) {
  json::object h;
  for (auto name : kStoredHeaders) {
    const auto* v = in.if_contains(name);
    if (v == nullptr || v->is_null()) continue;
    if (name == "ContentEncoding") {
      std::string enc = stored_encoding(v->is_string() ? std::string_view(v->as_string()) : "");
      if (!enc.empty()) h[name] = enc;
      continue;
    }
    h[name] = *v;
  }
  if (!h.contains("ContentType")) h["ContentType"] = "binary/octet-stream";
  return h;
}

// Bytes S3 counts against the 2 KB user-metadata limit: names and values.
size_t metadata_bytes(const json::object& meta) {
  size_t n = 0;
  for (const auto& [k, v] : meta) n += k.size() + (v.is_string() ? v.as_string().size() : 0);
  return n;
}

// The output members every read answers with.
json::object object_output(const ObjectMeta& m, const json::object& in) {
  json::object out;
  for (const auto& [k, v] : m.headers) out[k] = v;
  for (const auto& [param, member] : kOverrides) {
    if (const auto* v = in.if_contains(param); v != nullptr && !v->is_null()) out[member] = *v;
  }
  out["ETag"] = m.etag;
  out["LastModified"] = static_cast<double>(m.modified_ms / 1000);
  out["AcceptRanges"] = "bytes";
  if (!m.metadata.empty()) out["Metadata"] = m.metadata;
  if (!m.tags.empty()) out["TagCount"] = m.tags.size();
  if (m.version_id != "null") out["VersionId"] = m.version_id;
  return out;
}

}  // namespace nimbus::services::s3
