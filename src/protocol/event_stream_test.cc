// Event-stream framing: a byte-exact message (CRCs as botocore checks them),
// and a SubscribeToShard body: initial-response, events in the model's
// shape, an exception, the end.
#include <gtest/gtest.h>

#include <deque>

#include "protocol/event_stream.h"
#include "protocol/model.h"

namespace nimbus::protocol {
namespace {

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(digits[(static_cast<uint8_t>(c) >> 4) & 0xf]);
    out.push_back(digits[static_cast<uint8_t>(c) & 0xf]);
  }
  return out;
}

TEST(EventStream, MessageIsByteExact) {
  auto m = event_stream_message({{":event-type", "initial-response"},
                                 {":content-type", "application/json"},
                                 {":message-type", "event"}},
                                "{}");
  EXPECT_EQ(hex(m),
            "00000068000000564e6817240b3a6576656e742d74797065070010696e697469616c2d726573706f6e7365"
            "0d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d65737361676"
            "52d747970650700056576656e747b7dd591c62b");
}

class Scripted final : public EventSource {
 public:
  std::deque<EventResult> script;
  void next_event(std::function<void(EventResult)> next) override {
    auto r = std::move(script.front());
    script.pop_front();
    next(std::move(r));
  }
};

std::string read_one(http::BodySource& body) {
  std::string out;
  body.read([&](http::BodyChunk c) { out = c ? *c : "error"; });
  return out;
}

TEST(EventStream, SubscribeToShardBody) {
  static const ModelRegistry models;
  Call call;
  call.protocol = Protocol::kJson11;
  call.service = models.by_name("kinesis");
  call.operation = call.service->operation("SubscribeToShard");
  EXPECT_EQ(event_stream_member(call), "EventStream");
  auto src = std::make_shared<Scripted>();
  boost::json::object record{{"SequenceNumber", "1"},
                             {"ApproximateArrivalTimestamp", 1700000000.5},
                             {"Data", std::string("\x00\xff", 2)},
                             {"PartitionKey", "k"}};
  src->script.push_back(
      std::optional<OutputEvent>(OutputEvent{"SubscribeToShardEvent",
                                             {{"Records", boost::json::array{record}},
                                              {"ContinuationSequenceNumber", "1"},
                                              {"MillisBehindLatest", 0}}}));
  src->script.push_back(Error::make("ResourceNotFoundException", "gone"));
  auto body = event_stream_body(call, "{}", src);
  EXPECT_FALSE(body->size());
  EXPECT_NE(read_one(*body).find("initial-response"), std::string::npos);
  std::string event = read_one(*body);
  // Blobs base64 and timestamps in seconds, as awsJson writes them.
  EXPECT_NE(event.find(R"({"Records":[{"SequenceNumber":"1","ApproximateArrivalTimestamp":)"
                       R"(1.7000000005E9,"Data":"AP8=","PartitionKey":"k"}])"),
            std::string::npos)
      << event;
  EXPECT_NE(event.find(":event-type\x07\x00\x15SubscribeToShardEvent"), std::string::npos);
  std::string exception = read_one(*body);
  EXPECT_NE(exception.find(":exception-type\x07\x00\x19ResourceNotFoundException"),
            std::string::npos);
  EXPECT_NE(exception.find(R"({"message":"gone"})"), std::string::npos);
  EXPECT_EQ(read_one(*body), "");
}

}  // namespace
}  // namespace nimbus::protocol
