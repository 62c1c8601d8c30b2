// libFuzzer target for the CBOR decoder (protocol/cbor.h) in both its uses:
// awsJson's CBOR form (Kinesis bodies sent as application/x-amz-cbor-1.1, tag
// 1 in milliseconds) and Smithy RPC v2 CBOR (application/cbor, tag 1 in
// seconds). Any bytes must decode or fail cleanly in either unit; whatever
// decodes must encode and decode again; the same bytes as a Kinesis
// PutRecords body, and as a CloudWatch RPC v2 body (PutMetricData,
// PutMetricAlarm or GetMetricStatistics, by the first byte), must parse or
// fail without crashing, and the failure must serialize as an RPC v2 error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/cbor.h"
#include "protocol/engine.h"

namespace {

using namespace nimbus;

void round_trip(std::string_view bytes, protocol::cbor::Epoch epoch) {
  if (auto v = protocol::cbor::decode(bytes, epoch)) {
    protocol::cbor::Writer w(epoch);
    w.json(*v);
    if (!protocol::cbor::decode(w.bytes_written(), epoch)) std::abort();
  }
}

const protocol::ModelRegistry& models() {
  static const protocol::ModelRegistry m({"kinesis", "cloudwatch"});
  return m;
}

void kinesis(std::string_view bytes) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"x-amz-target", "Kinesis_20131202.PutRecords"},
               {"content-type", "application/x-amz-cbor-1.1"}};
  r.body = std::string(bytes);
  (void)protocol::parse_request(r, models(), "kinesis");
}

void cloudwatch_rpcv2(std::string_view bytes) {
  static constexpr std::string_view kOps[] = {"PutMetricData", "PutMetricAlarm",
                                              "GetMetricStatistics"};
  std::string_view op = kOps[bytes.empty() ? 0 : static_cast<uint8_t>(bytes[0]) % 3];
  http::Request r;
  r.method = "POST";
  r.target = "/service/GraniteServiceVersion20100801/operation/" + std::string(op);
  r.headers = {{"smithy-protocol", "rpc-v2-cbor"}, {"content-type", "application/cbor"}};
  r.body = std::string(bytes);
  auto parsed = protocol::parse_request(r, models(), "monitoring");
  if (parsed.failure) {
    const auto& f = *parsed.failure;
    auto resp = protocol::serialize_error(f.protocol, f.service, f.query_mode, f.error, "rid");
    if (!protocol::cbor::decode(resp.body, protocol::cbor::Epoch::kSeconds)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  round_trip(bytes, protocol::cbor::Epoch::kMilliseconds);
  round_trip(bytes, protocol::cbor::Epoch::kSeconds);
  kinesis(bytes);
  cloudwatch_rpcv2(bytes);
  return 0;
}
