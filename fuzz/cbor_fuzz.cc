// libFuzzer target for the CBOR decoder (protocol/cbor.h) that reads Kinesis
// request bodies sent as application/x-amz-cbor-1.1: any bytes must decode or
// fail cleanly; whatever decodes must encode and decode again; and the same
// bytes as a Kinesis PutRecords body must parse or fail without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/cbor.h"
#include "protocol/engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nimbus;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto v = protocol::cbor::decode(bytes)) {
    protocol::cbor::Writer w;
    w.json(*v);
    if (!protocol::cbor::decode(w.bytes_written())) std::abort();
  }
  static const protocol::ModelRegistry models({"kinesis"});
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"x-amz-target", "Kinesis_20131202.PutRecords"},
               {"content-type", "application/x-amz-cbor-1.1"}};
  r.body = std::string(bytes);
  (void)protocol::parse_request(r, models, "kinesis");
  return 0;
}
