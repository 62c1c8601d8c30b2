// A delivery stream's definition: what CreateDeliveryStream accepted, as
// stored (one JSON document per stream) and as DescribeDeliveryStream
// shows it.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "services/firehose/prefix.h"

namespace nimbus::services::firehose {

struct DeliveryStream {
  std::string name;
  std::string arn;
  std::string type = "DirectPut";  // or KinesisStreamAsSource
  int64_t created_ms = 0;
  int version = 1;
  boost::json::object source;  // KinesisStreamSourceConfiguration, when that type
  // The S3 destination (ExtendedS3 or S3 configuration, same members here).
  bool extended = true;
  // DeliveryStreamEncryptionConfiguration (stored and described: objects are
  // not encrypted): {KeyType, KeyARN, Status} once started, else empty.
  boost::json::object encryption;
  std::string role_arn;
  std::string bucket_arn;
  std::string prefix;
  std::string error_prefix;
  bool has_error_prefix = false;
  int size_mb = 5;
  int interval_s = 300;
  std::string compression = "UNCOMPRESSED";
  std::string file_extension;
  boost::json::array tags;
  // Lambda processing (an enabled ProcessingConfiguration with a Lambda
  // processor): `processing` as given, for Describe; no lambda_arn, none.
  boost::json::object processing;
  std::string lambda_arn;
  int retries = 3;                        // NumberOfRetries
  int64_t processor_bytes = 1024 * 1024;  // BufferSizeInMBs: records per invocation

  std::string bucket() const;  // from the bucket ARN
  // The object name's extension: FileExtension, else ".gz" for GZIP.
  std::string extension() const;

  // From CreateDeliveryStream's input (name, ARN and time filled by the
  // caller), with AWS's checks: InvalidArgumentException.
  static Result<DeliveryStream> from_input(const boost::json::object& in);
  // The ExtendedS3DestinationConfiguration this definition came from (what
  // UpdateDestination merges its update into).
  boost::json::object destination_input() const;
  // The stored document and back (nullopt: not a definition).
  boost::json::object to_json() const;
  static std::optional<DeliveryStream> from_json(const boost::json::object& doc);
  // DeliveryStreamDescription.
  boost::json::object description() const;
};

}  // namespace nimbus::services::firehose
