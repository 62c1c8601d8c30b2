#include "services/iam_action.h"

namespace nimbus::services {

namespace {

// IAM action names that differ from the model's operation names.
struct Rename {
  const char* service;
  const char* operation;
  const char* action;
};
constexpr Rename kRenames[] = {
    {"lambda", "Invoke", "InvokeFunction"},
    {"lambda", "InvokeWithResponseStream", "InvokeFunction"},
    {"s3", "ListObjectsV2", "ListBucket"},
    {"s3", "ListObjects", "ListBucket"},
    {"s3", "HeadBucket", "ListBucket"},
    {"s3", "HeadObject", "GetObject"},
    {"s3", "ListBuckets", "ListAllMyBuckets"},
    {"s3", "CreateMultipartUpload", "PutObject"},
    {"s3", "UploadPart", "PutObject"},
    {"s3", "UploadPartCopy", "PutObject"},
    {"s3", "CompleteMultipartUpload", "PutObject"},
    {"s3", "CopyObject", "PutObject"},
    {"s3", "DeleteObjects", "DeleteObject"},
    {"s3", "ListParts", "ListMultipartUploadParts"},
    {"s3", "ListMultipartUploads", "ListBucketMultipartUploads"},
    {"s3", "ListObjectVersions", "ListBucketVersions"},
};

}  // namespace

std::string iam_prefix(std::string_view model) {
  if (model == "stepfunctions") return "states";
  if (model == "dynamodbstreams") return "dynamodb";
  return std::string(model);
}

std::string iam_action(std::string_view model, std::string_view operation) {
  for (const Rename& r : kRenames) {
    if (model == r.service && operation == r.operation) return iam_prefix(model) + ":" + r.action;
  }
  return iam_prefix(model) + ":" + std::string(operation);
}

}  // namespace nimbus::services
