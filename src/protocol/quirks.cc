#include "protocol/quirks.h"

#include <array>

namespace nimbus::protocol {

namespace {

constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

constexpr std::array<XmlRoot, 17> kS3Roots{{
    {"ListBuckets", "ListAllMyBucketsResult"},
    {"ListObjects", "ListBucketResult"},
    {"ListObjectsV2", "ListBucketResult"},
    {"ListObjectVersions", "ListVersionsResult"},
    {"CreateMultipartUpload", "InitiateMultipartUploadResult"},
    {"DeleteObjects", "DeleteResult"},
    {"GetBucketAcl", "AccessControlPolicy"},
    {"GetObjectAcl", "AccessControlPolicy"},
    {"GetBucketTagging", "Tagging"},
    {"GetObjectTagging", "Tagging"},
    {"GetBucketVersioning", "VersioningConfiguration"},
    {"GetBucketCors", "CORSConfiguration"},
    {"GetBucketLocation", "LocationConstraint"},
    {"GetBucketNotificationConfiguration", "NotificationConfiguration"},
    {"GetBucketLifecycleConfiguration", "LifecycleConfiguration"},
    {"GetBucketWebsite", "WebsiteConfiguration"},
    {"GetBucketLogging", "BucketLoggingStatus"},
}};

const std::array<ServiceQuirks, 5> kTable{{
    {.service = "sqs", .json_target_alias = "AmazonSQS", .queue_url_path = true},
    {.service = "sts", .json_target_alias = "AWSSecurityTokenServiceV20110615"},
    {.service = "cloudwatch", .json_target_alias = "GraniteServiceVersion20100801"},
    {.service = "lambda", .dated_rest_paths = true},
    {.service = "s3",
     .unclaimed_rest = true,
     .s3_xml = true,
     .xml_roots = kS3Roots,
     .text_root_operation = "GetBucketLocation",
     .partial_content_member = "ContentRange"},
}};

bool is_dated_segment(std::string_view s) {  // "2015-03-31"
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

}  // namespace

std::string_view s3_xml_namespace() {
  return kS3Namespace;
}

const ServiceQuirks& quirks_of(std::string_view service) {
  static const ServiceQuirks kNone{};
  for (const auto& q : kTable) {
    if (q.service == service) return q;
  }
  return kNone;
}

std::string_view virtual_host_bucket(std::string_view host) {
  if (auto colon = host.rfind(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  auto at = host.rfind(".s3.");
  if (at == std::string_view::npos || at == 0) return {};
  std::string_view rest = host.substr(at + 4);  // "localhost" or "REGION.localhost"
  if (rest != "localhost") {
    auto dot = rest.find('.');
    if (dot == 0 || dot == std::string_view::npos || rest.substr(dot + 1) != "localhost") return {};
  }
  return host.substr(0, at);
}

std::string_view service_for_json_alias(std::string_view target_prefix) {
  for (const auto& q : kTable) {
    if (!q.json_target_alias.empty() && q.json_target_alias == target_prefix) return q.service;
  }
  return {};
}

std::string_view service_for_unscoped_rest(std::string_view path) {
  std::string_view first = path.substr(path.starts_with('/') ? 1 : 0);
  bool dated = is_dated_segment(first.substr(0, first.find('/')));
  for (const auto& q : kTable) {
    if (dated && q.dated_rest_paths) return q.service;
  }
  for (const auto& q : kTable) {
    if (q.unclaimed_rest) return q.service;
  }
  return {};
}

}  // namespace nimbus::protocol
