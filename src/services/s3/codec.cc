#include "services/s3/codec.h"

#include "common/json_fields.h"
#include "storage/key_codec.h"

namespace nimbus::services::s3::codec {

namespace json = boost::json;

std::string bucket_prefix(std::string_view bucket) {
  return storage::KeyBuilder().str(bucket).bytes();
}

std::string object_key(std::string_view bucket, std::string_view key) {
  return storage::KeyBuilder().str(bucket).tail(key).bytes();
}

std::string version_key(std::string_view bucket, std::string_view key, uint64_t seq) {
  return storage::KeyBuilder().str(bucket).str(key).u64(~seq).bytes();
}

std::string versions_prefix(std::string_view bucket, std::string_view key) {
  return storage::KeyBuilder().str(bucket).str(key).bytes();
}

std::string config_key(std::string_view bucket, std::string_view name) {
  return storage::KeyBuilder().str(bucket).str(name).bytes();
}

std::string key_of(std::string_view record_key, std::string_view bucket) {
  return std::string(record_key.substr(bucket_prefix(bucket).size()));
}

std::string partition(std::string_view bucket) {
  return "s3/" + std::string(bucket);
}

std::string encode(const Bucket& b) {
  json::object o;
  o["region"] = b.region;
  o["owner"] = b.owner;
  o["created"] = b.created_ms;
  if (!b.versioning.empty()) o["versioning"] = b.versioning;
  return json::serialize(o);
}

std::optional<Bucket> decode_bucket(std::string_view name, std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  Bucket b;
  b.name = std::string(name);
  b.region = str(*o, "region");
  b.owner = str(*o, "owner");
  b.created_ms = integer(*o, "created").value_or(0);
  b.versioning = str(*o, "versioning");
  return b;
}

std::string encode(const ObjectMeta& m) {
  json::object o;
  o["version"] = m.version_id;
  if (m.seq != 0) o["seq"] = m.seq;
  if (m.delete_marker) {
    o["marker"] = true;
  } else {
    if (!m.pieces.empty()) {
      json::array pieces;
      for (const auto& p : m.pieces) {
        json::array piece{json::string(p.blob), p.size, p.number};
        if (!p.checksum.empty()) piece.push_back(json::string(p.checksum));
        pieces.push_back(std::move(piece));
      }
      o["pieces"] = std::move(pieces);
    } else if (m.inline_body) {
      o["inline"] = true;
    } else {
      o["blob"] = m.blob;
    }
    o["size"] = m.size;
    o["etag"] = m.etag;
    if (!m.checksum_algorithm.empty()) {
      o["checksum"] = json::array{json::string(m.checksum_algorithm), json::string(m.checksum)};
    }
  }
  o["modified"] = m.modified_ms;
  if (!m.headers.empty()) o["headers"] = m.headers;
  if (!m.metadata.empty()) o["meta"] = m.metadata;
  if (!m.tags.empty()) o["tags"] = m.tags;
  std::string out = json::serialize(o);
  if (m.inline_body && !m.delete_marker) {
    // Raw after the JSON, which never holds a NUL byte (serialize escapes
    // control characters): no base64, and no parsing of the bytes.
    out.reserve(out.size() + 1 + m.inline_body->size());
    out.push_back('\0');
    out += *m.inline_body;
  }
  return out;
}

std::optional<ObjectMeta> decode_object(std::string_view bucket, std::string_view key,
                                        std::string_view text) {
  std::string_view body;  // what follows the JSON and its NUL, if anything
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    body = text.substr(nul + 1);
    text = text.substr(0, nul);
  }
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  ObjectMeta m;
  m.bucket = std::string(bucket);
  m.key = std::string(key);
  m.version_id = str(*o, "version");
  m.delete_marker = boolean(*o, "marker").value_or(false);
  if (const auto* q = o->if_contains("seq")) {
    boost::system::error_code ec;
    m.seq = q->to_number<uint64_t>(ec);
    if (ec) m.seq = 0;
  }
  m.blob = str(*o, "blob");
  if (const auto* ps = o->if_contains("pieces"); ps && ps->is_array()) {
    for (const auto& p : ps->as_array()) {
      if (!p.is_array() || p.as_array().size() < 2 || !p.as_array()[0].is_string()) continue;
      const auto& a = p.as_array();
      boost::system::error_code ec;
      auto size = a[1].to_number<uint64_t>(ec);
      if (ec) continue;  // a foreign record: not a piece this build wrote
      Piece piece{std::string(a[0].as_string()), size, 0, ""};
      if (a.size() > 2) piece.number = static_cast<int>(a[2].to_number<int64_t>(ec));
      if (a.size() > 3 && a[3].is_string()) piece.checksum = std::string(a[3].as_string());
      m.pieces.push_back(std::move(piece));
    }
  }
  m.size = static_cast<uint64_t>(integer(*o, "size").value_or(0));
  m.etag = str(*o, "etag");
  if (const auto* c = o->if_contains("checksum"); c && c->is_array() && c->as_array().size() == 2 &&
                                                  c->as_array()[0].is_string() &&
                                                  c->as_array()[1].is_string()) {
    m.checksum_algorithm = std::string(c->as_array()[0].as_string());
    m.checksum = std::string(c->as_array()[1].as_string());
  }
  if (!m.delete_marker && boolean(*o, "inline").value_or(false)) {
    // A body that is not the size the record says is a damaged record.
    if (body.size() != m.size) return std::nullopt;
    m.inline_body = std::string(body);
  }
  m.modified_ms = integer(*o, "modified").value_or(0);
  if (const auto* h = o->if_contains("headers"); h && h->is_object()) m.headers = h->as_object();
  if (const auto* h = o->if_contains("meta"); h && h->is_object()) m.metadata = h->as_object();
  if (const auto* t = o->if_contains("tags"); t && t->is_object()) m.tags = t->as_object();
  return m;
}

std::string upload_key(std::string_view bucket, std::string_view key, std::string_view id) {
  return storage::KeyBuilder().str(bucket).str(key).str(id).bytes();
}

std::string parts_prefix(std::string_view id) {
  return storage::KeyBuilder().str(id).bytes();
}

std::string part_key(std::string_view id, int number) {
  return storage::KeyBuilder().str(id).u64(static_cast<uint64_t>(number)).bytes();
}

std::string encode(const Upload& u) {
  json::object o;
  o["initiated"] = u.initiated_ms;
  o["owner"] = u.owner;
  if (!u.headers.empty()) o["headers"] = u.headers;
  if (!u.metadata.empty()) o["meta"] = u.metadata;
  if (!u.tags.empty()) o["tags"] = u.tags;
  if (!u.checksum_algorithm.empty()) o["checksum"] = u.checksum_algorithm;
  return json::serialize(o);
}

std::optional<Upload> decode_upload(std::string_view record_key, std::string_view text) {
  storage::KeyReader r(record_key);
  auto bucket = r.str();
  auto key = r.str();
  auto id = r.str();
  auto o = parse_object(text);
  if (!bucket || !key || !id || !r.done() || !o) return std::nullopt;
  Upload u;
  u.bucket = std::move(*bucket);
  u.key = std::move(*key);
  u.id = std::move(*id);
  u.initiated_ms = integer(*o, "initiated").value_or(0);
  u.owner = str(*o, "owner");
  if (const auto* h = o->if_contains("headers"); h && h->is_object()) u.headers = h->as_object();
  if (const auto* h = o->if_contains("meta"); h && h->is_object()) u.metadata = h->as_object();
  if (const auto* t = o->if_contains("tags"); t && t->is_object()) u.tags = t->as_object();
  u.checksum_algorithm = str(*o, "checksum");
  return u;
}

std::string encode(const PartInfo& p) {
  json::object o;
  o["blob"] = p.blob;
  o["size"] = p.size;
  o["etag"] = p.etag;
  o["modified"] = p.modified_ms;
  if (!p.checksum.empty()) o["checksum"] = p.checksum;
  return json::serialize(o);
}

std::optional<PartInfo> decode_part(std::string_view record_key, std::string_view text) {
  storage::KeyReader r(record_key);
  auto id = r.str();
  auto number = r.u64();
  auto o = parse_object(text);
  if (!id || !number || !r.done() || !o) return std::nullopt;
  PartInfo p;
  p.number = static_cast<int>(*number);
  p.blob = str(*o, "blob");
  p.size = static_cast<uint64_t>(integer(*o, "size").value_or(0));
  p.etag = str(*o, "etag");
  p.modified_ms = integer(*o, "modified").value_or(0);
  p.checksum = str(*o, "checksum");
  return p;
}

}  // namespace nimbus::services::s3::codec
