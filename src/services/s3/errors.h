// S3's errors: the model's codes, S3's messages and HTTP statuses, and the
// extra elements S3 puts in its <Error> documents (BucketName, Key, ...).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace nimbus::services::s3::errors {

inline Error make(std::string code, std::string message, int status) {
  return Error::make(std::move(code), std::move(message), status);
}
// An upload id that names no upload in progress (aborted, completed or
// never created).
inline Error no_such_upload(std::string_view id) {
  return make("NoSuchUpload",
              "The specified upload does not exist. The upload ID may be invalid, or the "
              "upload may have been aborted or completed.",
              404)
      .with("UploadId", std::string(id));
}

inline Error no_such_bucket(std::string_view bucket) {
  return make("NoSuchBucket", "The specified bucket does not exist", 404)
      .with("BucketName", std::string(bucket));
}
inline Error no_such_key(std::string_view key) {
  return make("NoSuchKey", "The specified key does not exist.", 404).with("Key", std::string(key));
}
inline Error no_such_version(std::string_view key, std::string_view version_id) {
  return make("NoSuchVersion", "The specified version does not exist.", 404)
      .with("Key", std::string(key))
      .with("VersionId", std::string(version_id));
}
// A delete marker read as the latest version (404) or by its version id
// (405); the headers tell clients it is a marker.
inline Error no_such_key_marker(std::string_view key, std::string_view version_id) {
  return no_such_key(key).with("DeleteMarker", "true").with("VersionId", std::string(version_id));
}
inline Error method_not_allowed_marker(std::string_view method, std::string_view version_id) {
  return make("MethodNotAllowed", "The specified method is not allowed against this resource.", 405)
      .with("Method", std::string(method))
      .with("ResourceType", "DeleteMarker")
      .with("DeleteMarker", "true")
      .with("VersionId", std::string(version_id));
}
inline Error invalid_version_id(std::string_view version_id) {
  return make("InvalidArgument", "Invalid version id specified", 400)
      .with("ArgumentName", "versionId")
      .with("ArgumentValue", std::string(version_id));
}
inline Error bucket_already_owned(std::string_view bucket) {
  return make("BucketAlreadyOwnedByYou",
              "Your previous request to create the named bucket succeeded and you already own it.",
              409)
      .with("BucketName", std::string(bucket));
}
inline Error invalid_bucket_name(std::string_view bucket) {
  return make("InvalidBucketName", "The specified bucket is not valid.", 400)
      .with("BucketName", std::string(bucket));
}
inline Error bucket_not_empty(std::string_view bucket) {
  return make("BucketNotEmpty", "The bucket you tried to delete is not empty", 409)
      .with("BucketName", std::string(bucket));
}
inline Error invalid_location_constraint(std::string_view constraint) {
  return make("InvalidLocationConstraint", "The specified location-constraint is not valid", 400)
      .with("LocationConstraint", std::string(constraint));
}
inline Error illegal_location_constraint(std::string_view constraint, std::string_view region) {
  return make("IllegalLocationConstraintException",
              "The " + std::string(constraint.empty() ? "unspecified" : constraint) +
                  " location constraint is incompatible for the region specific endpoint this "
                  "request was sent to.",
              400);
}
inline Error invalid_range(std::string_view requested, uint64_t size) {
  return make("InvalidRange", "The requested range is not satisfiable", 416)
      .with("RangeRequested", std::string(requested))
      .with("ActualObjectSize", std::to_string(size));
}
inline Error bad_digest(std::string_view expected, std::string_view calculated) {
  return make("BadDigest", "The Content-MD5 you specified did not match what we received.", 400)
      .with("ExpectedDigest", std::string(expected))
      .with("CalculatedDigest", std::string(calculated));
}
inline Error invalid_digest(std::string_view content_md5) {
  return make("InvalidDigest", "The Content-MD5 you specified is not valid.", 400)
      .with("Content-MD5", std::string(content_md5));
}
inline Error key_too_long(size_t size) {
  return make("KeyTooLongError", "Your key is too long", 400)
      .with("Size", std::to_string(size))
      .with("MaxSizeAllowed", "1024");
}
inline Error metadata_too_large(size_t size) {
  return make("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.",
              400)
      .with("Size", std::to_string(size))
      .with("MaxSizeAllowed", "2048");
}
inline Error entity_too_large(uint64_t size, uint64_t max) {
  return make("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400)
      .with("ProposedSize", std::to_string(size))
      .with("MaxSizeAllowed", std::to_string(max));
}
inline Error incomplete_body() {
  return make("IncompleteBody",
              "You did not provide the number of bytes specified by the Content-Length HTTP "
              "header",
              400);
}
inline Error precondition_failed(std::string_view condition) {
  return make("PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
              412)
      .with("Condition", std::string(condition));
}
inline Error not_modified() {
  return make("NotModified", "Not Modified", 304);
}
inline Error malformed_xml() {
  return make("MalformedXML",
              "The XML you provided was not well-formed or did not validate against our published "
              "schema",
              400);
}
inline Error invalid_argument(std::string message, std::string_view name, std::string_view value) {
  return make("InvalidArgument", std::move(message), 400)
      .with("ArgumentName", std::string(name))
      .with("ArgumentValue", std::string(value));
}
inline Error not_implemented_header(std::string_view header) {
  return make("NotImplemented",
              "A header you provided implies functionality that is not implemented", 501)
      .with("Header", std::string(header));
}
// The server is shutting down (a write that came after the engine closed).
inline Error stopping() {
  return make("ServiceUnavailable", "Please reduce your request rate.", 503);
}
inline Error invalid_request(std::string message) {
  return make("InvalidRequest", std::move(message), 400);
}

}  // namespace nimbus::services::s3::errors
