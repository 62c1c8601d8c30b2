// The AWS service models embedded at build time by embed_models.py (the
// generated source lives in the build folder). Internal to the protocol engine.
#pragma once

#include <cstddef>

namespace nimbus::protocol::embedded {

struct Model {
  const char* name;  // botocore folder name, "sqs"
  const char* json;  // service-2.json without documentation, compact
  std::size_t size;
  // metadata fields protocol detection needs without parsing the model; ""
  // when absent (aws_query_compatible is "1" when present).
  const char* protocol;
  const char* json_version;
  const char* target_prefix;
  const char* signing_name;
  const char* endpoint_prefix;
  const char* api_version;
  const char* aws_query_compatible;
};

extern const char* const kBotocoreVersion;
extern const char* const kModelsFrom;  // the botocore data folder embedded from
extern const Model kModels[];          // sorted by name
extern const std::size_t kModelCount;

}  // namespace nimbus::protocol::embedded
