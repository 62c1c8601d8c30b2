// Versioning: version ids, where each version's record lives (the latest
// in s3.objects, older ones in s3.versions), what a new latest version does
// to the old one, the bucket's versioning state and ListObjectVersions.
#include <charconv>
#include <cstdio>

#include "services/s3/codec.h"
#include "services/s3/engine.h"
#include "services/s3/errors.h"
#include "storage/storage.h"
#include "storage/write_batch.h"

namespace nimbus::services::s3 {

std::string version_id_of(uint64_t seq) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(seq));
  return buf;
}

std::optional<uint64_t> seq_of(std::string_view version_id) {
  if (version_id.size() != 16) return std::nullopt;
  for (char c : version_id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  uint64_t seq = 0;
  auto r = std::from_chars(version_id.data(), version_id.data() + version_id.size(), seq, 16);
  if (r.ec != std::errc() || seq == 0) return std::nullopt;
  return seq;
}

bool valid_version_id(std::string_view version_id) {
  return version_id == "null" || seq_of(version_id).has_value();
}

void Engine::stamp(ObjectMeta& meta, const Bucket& b) {
  meta.seq = ++sequence_;
  meta.version_id = b.versioning == "Enabled" ? version_id_of(meta.seq) : "null";
}

Result<std::vector<ObjectMeta>> Engine::noncurrent(std::string_view bucket, std::string_view key,
                                                   size_t limit) const {
  auto entries = versions_.scan(codec::versions_prefix(bucket, key), limit);
  if (!entries) return entries.take_error();
  std::vector<ObjectMeta> out;
  for (const auto& e : *entries) {
    auto m = codec::decode_object(bucket, key, e.value);
    if (!m) return Error::internal("s3: unreadable version record of " + std::string(key));
    out.push_back(std::move(*m));
  }
  return out;
}

Result<std::optional<Engine::Located>> Engine::locate(std::string_view bucket, std::string_view key,
                                                      std::string_view version_id) const {
  auto text = objects_.get(codec::object_key(bucket, key));
  if (!text) return text.take_error();
  if (!*text) return std::optional<Located>();  // no version at all
  auto current = codec::decode_object(bucket, key, **text);
  if (!current) return Error::internal("s3: unreadable record of " + std::string(key));
  if (version_id.empty() || current->version_id == version_id) {
    return std::optional<Located>(Located{std::move(*current), true});
  }
  if (version_id == "null") {
    // At most one null version; a key has few versions as a rule.
    auto all = noncurrent(bucket, key, SIZE_MAX);
    if (!all) return all.take_error();
    for (auto& m : *all) {
      if (m.version_id == "null") return std::optional<Located>(Located{std::move(m), false});
    }
    return std::optional<Located>();
  }
  auto seq = seq_of(version_id);
  if (!seq) return std::optional<Located>();
  auto old = versions_.get(codec::version_key(bucket, key, *seq));
  if (!old) return old.take_error();
  if (!*old) return std::optional<Located>();
  auto m = codec::decode_object(bucket, key, **old);
  if (!m) return Error::internal("s3: unreadable version record of " + std::string(key));
  if (m->version_id != version_id) return std::optional<Located>();
  return std::optional<Located>(Located{std::move(*m), false});
}

Result<std::vector<std::string>> Engine::supersede(storage::WriteBatch& batch, const Bucket& b,
                                                   const std::optional<ObjectMeta>& old,
                                                   const ObjectMeta& next) const {
  std::vector<std::string> dropped;
  if (!old) return dropped;
  // Never versioned: the old object is replaced.
  if (b.versioning.empty()) return old->blobs();
  if (old->version_id == "null" && next.version_id == "null") return old->blobs();
  batch.put(codec::kVersions, codec::version_key(b.name, old->key, old->seq), codec::encode(*old));
  if (next.version_id == "null" && old->version_id != "null") {
    // Suspended: the new null version replaces an older one.
    auto all = noncurrent(b.name, old->key, SIZE_MAX);
    if (!all) return all.take_error();
    for (const auto& m : *all) {
      if (m.version_id != "null") continue;
      batch.del(codec::kVersions, codec::version_key(b.name, m.key, m.seq));
      dropped = m.blobs();
    }
  }
  return dropped;
}

void Engine::set_versioning(std::string bucket_name, std::string status, Done done) {
  auto h = gate_.hold();
  if (!h) return done(errors::stopping());
  std::string turn_key = "B" + bucket_name;
  serial_.submit(
      turn_key, [this, h, bucket_name = std::move(bucket_name), status = std::move(status),
                 done = std::move(done)](storage::PartitionExecutor::Turn turn) mutable {
        auto existing = bucket(bucket_name);
        if (!existing) return done(existing.take_error());
        if (!*existing) return done(errors::no_such_bucket(bucket_name));
        Bucket b = std::move(**existing);
        b.versioning = std::move(status);
        storage::WriteBatch batch(codec::partition(b.name));
        batch.put(codec::kBuckets, b.name, codec::encode(b));
        env_.storage->commit(std::move(batch), [turn = std::move(turn), done = std::move(done)](
                                                   Status st) { done(std::move(st)); });
      });
}

Result<VersionPage> Engine::versions(std::string_view bucket, std::string_view prefix,
                                     std::string_view key_marker, std::string_view version_marker,
                                     size_t limit) const {
  VersionPage page;
  // Adds the key's versions newer-first, those below `below` only; false
  // once the page is full.
  auto add_key = [&](const ObjectMeta& current, uint64_t below) -> Result<bool> {
    auto add = [&](ObjectMeta m, bool latest) {
      if (page.entries.size() == limit) {
        page.truncated = true;
        return false;
      }
      page.entries.push_back(VersionEntry{std::move(m), latest});
      return true;
    };
    if (current.seq < below && !add(current, true)) return false;
    uint64_t after_seq = below;
    for (;;) {
      std::string after = after_seq == UINT64_MAX
                              ? std::string()
                              : codec::version_key(bucket, current.key, after_seq);
      auto entries = versions_.scan(codec::versions_prefix(bucket, current.key), 100, after);
      if (!entries) return entries.take_error();
      for (const auto& e : *entries) {
        auto m = codec::decode_object(bucket, current.key, e.value);
        if (!m) return Error::internal("s3: unreadable version record of " + current.key);
        after_seq = m->seq;
        if (!add(std::move(*m), false)) return false;
      }
      if (entries->size() < 100) return true;
    }
  };
  std::string cursor;
  if (!key_marker.empty()) {
    cursor = codec::object_key(bucket, key_marker);
    if (!version_marker.empty()) {
      auto at = locate(bucket, key_marker, version_marker);
      if (!at) return at.take_error();
      if (*at) {
        auto current = head(bucket, key_marker);
        if (!current) return current.take_error();
        if (*current) {
          auto more = add_key(**current, (*at)->meta.seq);
          if (!more) return more.take_error();
          if (!*more) return page;
        }
      }
    }
  }
  std::string scan_prefix = codec::object_key(bucket, prefix);
  for (;;) {
    auto entries = objects_.scan(scan_prefix, 100, cursor);
    if (!entries) return entries.take_error();
    for (const auto& e : *entries) {
      std::string key = codec::key_of(e.key, bucket);
      auto current = codec::decode_object(bucket, key, e.value);
      if (!current) return Error::internal("s3: unreadable record of " + key);
      auto more = add_key(*current, UINT64_MAX);
      if (!more) return more.take_error();
      if (!*more) return page;
      cursor = e.key;
    }
    if (entries->size() < 100) return page;
  }
}

}  // namespace nimbus::services::s3
