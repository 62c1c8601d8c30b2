// The S3 store schema: namespaces, key layout (storage/key_codec.h) and the
// encodings of bucket and object records (JSON documents).
//
//   s3.buckets  str(bucket)                 -> Bucket
//   s3.objects  str(bucket) tail(key)       -> ObjectMeta of the current version
//   s3.versions str(bucket) str(key) u64(~seq) -> ObjectMeta of a noncurrent version
//                                            (versioned buckets; newest first)
//   s3.config   str(bucket) str(name)       -> a configuration document
//   s3.uploads  str(bucket) str(key) str(id) -> Upload (a multipart upload in progress)
//   s3.parts    str(id) u64(part number)     -> PartInfo
//
// A key has a record in s3.objects whenever it has any version (its
// latest, possibly a delete marker); s3.versions holds the older ones.
// Keys of one bucket share the prefix str(bucket), so a listing is one
// ordered scan in UTF-8 binary order of the key, and a bucket's records
// go with one range delete.
//
// An ObjectMeta record whose body is inline ({"inline":true,...}) carries
// the body's bytes raw after the JSON and a NUL byte.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "services/s3/multipart.h"
#include "services/s3/objects.h"

namespace nimbus::services::s3::codec {

inline constexpr std::string_view kBuckets = "s3.buckets";
inline constexpr std::string_view kObjects = "s3.objects";
inline constexpr std::string_view kVersions = "s3.versions";
inline constexpr std::string_view kConfig = "s3.config";
inline constexpr std::string_view kUploads = "s3.uploads";
inline constexpr std::string_view kParts = "s3.parts";

std::string bucket_prefix(std::string_view bucket);  // str(bucket)
std::string object_key(std::string_view bucket, std::string_view key);
// A noncurrent version's record, and the prefix of all of a key's.
std::string version_key(std::string_view bucket, std::string_view key, uint64_t seq);
std::string versions_prefix(std::string_view bucket, std::string_view key);
std::string config_key(std::string_view bucket, std::string_view name);
// The object key of a record key under bucket_prefix(bucket).
std::string key_of(std::string_view record_key, std::string_view bucket);

std::string encode(const Bucket& b);
std::optional<Bucket> decode_bucket(std::string_view name, std::string_view text);
std::string encode(const ObjectMeta& m);
std::optional<ObjectMeta> decode_object(std::string_view bucket, std::string_view key,
                                        std::string_view text);

std::string upload_key(std::string_view bucket, std::string_view key, std::string_view id);
std::string parts_prefix(std::string_view id);
std::string part_key(std::string_view id, int number);
std::string encode(const Upload& u);
std::optional<Upload> decode_upload(std::string_view record_key, std::string_view text);
std::string encode(const PartInfo& p);
std::optional<PartInfo> decode_part(std::string_view record_key, std::string_view text);

// The partition a bucket's writes name.
std::string partition(std::string_view bucket);

}  // namespace nimbus::services::s3::codec
