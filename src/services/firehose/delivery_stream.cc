#include "services/firehose/delivery_stream.h"

#include <fmt/format.h>

#include <cstdlib>

#include "common/json_fields.h"
#include "services/firehose/errors.h"

namespace nimbus::services::firehose {

namespace json = boost::json;

std::string DeliveryStream::bucket() const {
  constexpr std::string_view kS3 = "arn:aws:s3:::";
  return bucket_arn.starts_with(kS3) ? bucket_arn.substr(kS3.size()) : bucket_arn;
}

std::string DeliveryStream::extension() const {
  if (!file_extension.empty()) return file_extension;
  return compression == "GZIP" ? ".gz" : "";
}

namespace {

// A processor parameter's value as a number within [low, high].
Result<double> parameter_number(const std::string& name, const std::string& value, double low,
                                double high) {
  char* end = nullptr;
  double v = std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size() || !(v >= low && v <= high)) {
    return errors::invalid("Processor parameter " + name + " value " + value +
                           " is invalid; it must be between " + fmt::format("{}", low) + " and " +
                           fmt::format("{}", high) + ".");
  }
  return v;
}

// ProcessingConfiguration: when enabled, one Lambda processor with its
// LambdaArn and optional NumberOfRetries, BufferSizeInMBs,
// BufferIntervalInSeconds and RoleArn.
Status read_processing(const json::object& p, DeliveryStream& d) {
  if (!boolean(p, "Enabled").value_or(false)) return Status::ok();
  const auto* list = p.if_contains("Processors");
  if (list == nullptr || !list->is_array() || list->as_array().empty()) {
    return errors::invalid("Processors must not be empty when processing is enabled.");
  }
  for (const auto& entry : list->as_array()) {
    if (!entry.is_object()) return errors::invalid("Processors must be objects.");
    std::string type = str(entry.as_object(), "Type");
    if (type != "Lambda") {
      return errors::invalid("Processor type " + type + " is not supported by nimbus.");
    }
    if (!d.lambda_arn.empty()) return errors::invalid("Only one Lambda processor is allowed.");
    const auto* params = entry.as_object().if_contains("Parameters");
    if (params == nullptr || !params->is_array()) {
      return errors::invalid("Lambda processor requires the LambdaArn parameter.");
    }
    for (const auto& param : params->as_array()) {
      if (!param.is_object()) return errors::invalid("Processor parameters must be objects.");
      std::string name = str(param.as_object(), "ParameterName");
      std::string value = str(param.as_object(), "ParameterValue");
      if (name == "LambdaArn") {
        d.lambda_arn = value;
      } else if (name == "NumberOfRetries") {
        auto n = parameter_number(name, value, 0, 300);
        if (!n) return n.take_error();
        d.retries = static_cast<int>(*n);
      } else if (name == "BufferSizeInMBs") {
        auto n = parameter_number(name, value, 0.2, 3);
        if (!n) return n.take_error();
        d.processor_bytes = static_cast<int64_t>(*n * 1024 * 1024);
      } else if (name == "BufferIntervalInSeconds") {
        if (auto n = parameter_number(name, value, 0, 900); !n) return n.take_error();
      } else if (name != "RoleArn") {
        return errors::invalid("Processor parameter " + name + " is not supported by nimbus.");
      }
    }
    if (!d.lambda_arn.starts_with("arn:aws:lambda:")) {
      return errors::invalid("Lambda processor requires a LambdaArn parameter naming a function.");
    }
  }
  d.processing = p;
  return Status::ok();
}

}  // namespace

Result<DeliveryStream> DeliveryStream::from_input(const json::object& in) {
  DeliveryStream d;
  d.name = str(in, "DeliveryStreamName");
  if (has(in, "DeliveryStreamType")) d.type = str(in, "DeliveryStreamType");
  if (d.type != "DirectPut" && d.type != "KinesisStreamAsSource") {
    return errors::invalid("DeliveryStreamType " + d.type + " is not supported by nimbus.");
  }
  if (d.type == "KinesisStreamAsSource") {
    const auto* src = in.if_contains("KinesisStreamSourceConfiguration");
    if (src == nullptr || !src->is_object()) {
      return errors::invalid(
          "KinesisStreamSourceConfiguration must be specified when DeliveryStreamType is "
          "KinesisStreamAsSource.");
    }
    d.source = src->as_object();
  } else if (has(in, "KinesisStreamSourceConfiguration")) {
    return errors::invalid(
        "KinesisSourceStreamConfig is only allowed for KinesisStreamAsSource delivery streams.");
  }
  const json::object* dest = nullptr;
  for (const char* k : {"RedshiftDestinationConfiguration", "ElasticsearchDestinationConfiguration",
                        "AmazonopensearchserviceDestinationConfiguration",
                        "SplunkDestinationConfiguration", "HttpEndpointDestinationConfiguration",
                        "AmazonOpenSearchServerlessDestinationConfiguration",
                        "SnowflakeDestinationConfiguration", "IcebergDestinationConfiguration"}) {
    if (has(in, k)) return errors::invalid(std::string(k) + " is not supported by nimbus.");
  }
  const auto* ext = in.if_contains("ExtendedS3DestinationConfiguration");
  const auto* plain = in.if_contains("S3DestinationConfiguration");
  if (ext != nullptr && plain != nullptr) {
    return errors::invalid("Only one destination configuration is allowed.");
  }
  if (ext != nullptr && ext->is_object()) {
    dest = &ext->as_object();
  } else if (plain != nullptr && plain->is_object()) {
    dest = &plain->as_object();
    d.extended = false;
  } else {
    return errors::invalid("A destination configuration must be specified.");
  }
  d.role_arn = str(*dest, "RoleARN");
  d.bucket_arn = str(*dest, "BucketARN");
  if (!d.bucket_arn.starts_with("arn:aws:s3:::") || d.bucket().empty()) {
    return errors::invalid("BucketARN " + d.bucket_arn + " is not a valid S3 bucket ARN.");
  }
  d.prefix = str(*dest, "Prefix");
  d.has_error_prefix = has(*dest, "ErrorOutputPrefix");
  d.error_prefix = str(*dest, "ErrorOutputPrefix");
  auto prefix = Prefix::parse(d.prefix, false);
  if (!prefix) return prefix.take_error();
  auto error_prefix = Prefix::parse(d.error_prefix, true);
  if (!error_prefix) return error_prefix.take_error();
  if (prefix->has_expressions() && d.error_prefix.empty()) {
    return errors::invalid(
        "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions.");
  }
  if (const auto* b = dest->if_contains("BufferingHints"); b && b->is_object()) {
    d.size_mb = static_cast<int>(integer(b->as_object(), "SizeInMBs").value_or(5));
    d.interval_s = static_cast<int>(integer(b->as_object(), "IntervalInSeconds").value_or(300));
  }
  if (has(*dest, "CompressionFormat")) d.compression = str(*dest, "CompressionFormat");
  if (d.compression != "UNCOMPRESSED" && d.compression != "GZIP") {
    return errors::invalid("CompressionFormat " + d.compression + " is not supported by nimbus.");
  }
  if (const auto* p = dest->if_contains("ProcessingConfiguration"); p && p->is_object()) {
    if (auto st = read_processing(p->as_object(), d); !st) return st.take_error();
  }
  if (d.extended) d.file_extension = str(*dest, "FileExtension");
  if (const auto* t = in.if_contains("Tags"); t && t->is_array()) d.tags = t->as_array();
  return d;
}

json::object DeliveryStream::destination_input() const {
  json::object d{
      {"RoleARN", role_arn},
      {"BucketARN", bucket_arn},
      {"Prefix", prefix},
      {"BufferingHints", json::object{{"SizeInMBs", size_mb}, {"IntervalInSeconds", interval_s}}},
      {"CompressionFormat", compression}};
  if (has_error_prefix) d["ErrorOutputPrefix"] = error_prefix;
  if (!file_extension.empty()) d["FileExtension"] = file_extension;
  if (!processing.empty()) d["ProcessingConfiguration"] = processing;
  return d;
}

json::object DeliveryStream::to_json() const {
  return json::object{{"name", name},
                      {"arn", arn},
                      {"type", type},
                      {"created_ms", created_ms},
                      {"version", version},
                      {"source", source},
                      {"extended", extended},
                      {"role_arn", role_arn},
                      {"bucket_arn", bucket_arn},
                      {"prefix", prefix},
                      {"error_prefix", error_prefix},
                      {"has_error_prefix", has_error_prefix},
                      {"size_mb", size_mb},
                      {"interval_s", interval_s},
                      {"compression", compression},
                      {"file_extension", file_extension},
                      {"tags", tags},
                      {"processing", processing},
                      {"encryption", encryption}};
}

std::optional<DeliveryStream> DeliveryStream::from_json(const json::object& doc) {
  DeliveryStream d;
  d.name = str(doc, "name");
  d.arn = str(doc, "arn");
  if (d.name.empty() || d.arn.empty()) return std::nullopt;
  d.type = str(doc, "type");
  d.created_ms = integer(doc, "created_ms").value_or(0);
  d.version = static_cast<int>(integer(doc, "version").value_or(1));
  if (const auto* s = doc.if_contains("source"); s && s->is_object()) d.source = s->as_object();
  d.extended = boolean(doc, "extended").value_or(true);
  d.role_arn = str(doc, "role_arn");
  d.bucket_arn = str(doc, "bucket_arn");
  d.prefix = str(doc, "prefix");
  d.error_prefix = str(doc, "error_prefix");
  d.has_error_prefix = boolean(doc, "has_error_prefix").value_or(false);
  d.size_mb = static_cast<int>(integer(doc, "size_mb").value_or(5));
  d.interval_s = static_cast<int>(integer(doc, "interval_s").value_or(300));
  d.compression = str(doc, "compression");
  d.file_extension = str(doc, "file_extension");
  if (const auto* t = doc.if_contains("tags"); t && t->is_array()) d.tags = t->as_array();
  if (const auto* e = doc.if_contains("encryption"); e && e->is_object()) {
    d.encryption = e->as_object();
  }
  if (const auto* p = doc.if_contains("processing");
      p && p->is_object() && !p->as_object().empty()) {
    if (!read_processing(p->as_object(), d)) return std::nullopt;
  }
  return d;
}

json::object DeliveryStream::description() const {
  json::object s3{
      {"RoleARN", role_arn},
      {"BucketARN", bucket_arn},
      {"Prefix", prefix},
      {"BufferingHints", json::object{{"SizeInMBs", size_mb}, {"IntervalInSeconds", interval_s}}},
      {"CompressionFormat", compression},
      {"EncryptionConfiguration", json::object{{"NoEncryptionConfig", "NoEncryption"}}},
      {"CloudWatchLoggingOptions", json::object{{"Enabled", false}}}};
  if (has_error_prefix) s3["ErrorOutputPrefix"] = error_prefix;
  json::object dest{{"DestinationId", "destinationId-000000000001"},
                    {"S3DestinationDescription", s3}};
  if (extended) {
    json::object e = s3;
    e["S3BackupMode"] = "Disabled";
    if (!file_extension.empty()) e["FileExtension"] = file_extension;
    if (!processing.empty()) e["ProcessingConfiguration"] = processing;
    dest["ExtendedS3DestinationDescription"] = std::move(e);
  }
  json::object out{{"DeliveryStreamName", name},
                   {"DeliveryStreamARN", arn},
                   {"DeliveryStreamStatus", "ACTIVE"},
                   {"DeliveryStreamType", type},
                   {"VersionId", std::to_string(version)},
                   {"CreateTimestamp", static_cast<double>(created_ms) / 1000.0},
                   {"DeliveryStreamEncryptionConfiguration",
                    encryption.empty() ? json::object{{"Status", "DISABLED"}} : encryption},
                   {"Destinations", json::array{dest}},
                   {"HasMoreDestinations", false}};
  if (type == "KinesisStreamAsSource") {
    json::object k{{"KinesisStreamARN", str(source, "KinesisStreamARN")},
                   {"RoleARN", str(source, "RoleARN")},
                   {"DeliveryStartTimestamp", static_cast<double>(created_ms) / 1000.0}};
    out["Source"] = json::object{{"KinesisStreamSourceDescription", std::move(k)}};
  }
  return out;
}

}  // namespace nimbus::services::firehose
