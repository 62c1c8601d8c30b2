// The one table of per-service exceptions to the protocol rules the models
// give. Everything in the engine that depends on a service's name asks
// here; adding a quirk is one table field, not a string comparison in a
// parser or serializer.
//
// Pure data and pure functions; thread-safe.
#pragma once

#include <span>
#include <string_view>

namespace nimbus::protocol {

struct XmlRoot {
  std::string_view operation;
  std::string_view root;
};

struct ServiceQuirks {
  std::string_view service = {};  // botocore folder name
  // awsJson X-Amz-Target prefix newer SDKs send for a service whose
  // embedded model is awsQuery (its JSON member names are the shape's).
  std::string_view json_target_alias = {};
  // REST requests whose first path segment is a date ("2015-03-31") and
  // carry no SigV4 scope (an unsigned Invoke) belong to this service.
  bool dated_rest_paths = false;
  // REST requests no other rule claims (anonymous, SigV2, presigned V2).
  bool unclaimed_rest = false;
  // awsQuery requests may be POSTed to the queue URL's path
  // (/ACCOUNT/NAME) and leave QueueUrl out; it comes from the path.
  bool queue_url_path = false;
  // S3's XML: the 2006-03-01 namespace when the model has none, the root
  // element names S3 documents (the model leaves them out), the
  // operation whose answer is its root's text, errors with <Error> at
  // the root, and x-amz-request-id / x-amz-id-2.
  bool s3_xml = false;
  std::span<const XmlRoot> xml_roots = {};
  std::string_view text_root_operation = {};
  // A REST GET or HEAD answer that has this output member (S3's
  // ContentRange) is a partial one: 206 instead of the model's status.
  std::string_view partial_content_member = {};
};

// The XML namespace of S3's documents.
std::string_view s3_xml_namespace();

// The quirks of `service` (botocore folder name); an entry with no quirks
// for any other service.
const ServiceQuirks& quirks_of(std::string_view service);

// The bucket a virtual-hosted S3 Host names: "photos" for
// photos.s3.localhost, photos.s3.us-west-2.localhost (a port may follow);
// empty for any other host (s3.localhost, localhost, an IP).
std::string_view virtual_host_bucket(std::string_view host);

// The service an X-Amz-Target prefix aliases, or empty.
std::string_view service_for_json_alias(std::string_view target_prefix);

// The service that takes a REST request without a SigV4 scope: the dated
// path service for a dated first segment, else the unclaimed-REST service.
std::string_view service_for_unscoped_rest(std::string_view path);

}  // namespace nimbus::protocol
