// What the Kinesis unit tests share on top of the services' test kit
// (services/testing/service_fixture.h): stream, put and read helpers.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "services/kinesis/kinesis_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::kinesis::testing {

namespace json = boost::json;

class KinesisTest : public services::testing::ServiceTest<KinesisService> {
 protected:
  void make_stream(const std::string& name, int shards = 1) {
    call("CreateStream", {{"StreamName", name}, {"ShardCount", shards}});
  }

  json::object put(const std::string& stream, const std::string& key, const std::string& data) {
    return call("PutRecord", {{"StreamName", stream}, {"PartitionKey", key}, {"Data", data}});
  }

  std::string iterator(const std::string& stream, const std::string& shard,
                       const std::string& type = "TRIM_HORIZON", json::object extra = {}) {
    extra["StreamName"] = stream;
    extra["ShardId"] = shard;
    extra["ShardIteratorType"] = type;
    return s(call("GetShardIterator", extra).at("ShardIterator"));
  }

  static std::vector<std::string> data_of(const json::object& out) {
    std::vector<std::string> v;
    for (const auto& r : out.at("Records").as_array()) v.push_back(s(r.as_object().at("Data")));
    return v;
  }
};

}  // namespace nimbus::services::kinesis::testing
