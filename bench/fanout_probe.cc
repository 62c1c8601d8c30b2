// Publish -> visible latency probe for SNS and EventBridge: how long from
// sending one SNS Publish (or one EventBridge PutEvents) until a long poll
// on a subscribed SQS queue (or a rule's SQS target) returns the message.
// C++ so that the figure is the server's: the client's own cost per sample
// is a few microseconds (no boto3 in the loop).
//
// Per sample: a receiver thread sends ReceiveMessage (WaitTimeSeconds 20,
// VisibilityTimeout 43200, so that what it received never comes back and
// no DeleteMessage is needed) on its own keep-alive connection; once that
// request is written and the server had `--park-ms` to park it, the
// main thread stamps t0 and sends the signed Publish / PutEvents carrying
// a marker unique to the sample on another connection. The sample is the
// time from t0 until the receiver reads the response holding the marker.
// Requests are signed before t0. The queue must start empty.
//
// Also measured, as the floor the figure cannot go under: an empty
// ReceiveMessage (WaitTimeSeconds 0) round trip on the same queue, i.e.
// one SQS request through the server and this client.
//
// Output: one JSON line with p50/p99/min/max of publish -> visible, of the
// Publish/PutEvents call itself, and of the empty receive.
//
// The HTTP client and the signer are bench/loadgen_http.h.

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/encoding.h"
#include "loadgen_http.h"

namespace {

namespace json = boost::json;
using nimbus::bench::Connection;
using nimbus::bench::HttpResponse;
using nimbus::bench::percentile_ms;
using nimbus::bench::round3;
using nimbus::bench::Signer;
using Steady = std::chrono::steady_clock;

struct Options {
  nimbus::bench::Endpoint endpoint;
  std::string queue_url;
  std::string topic_arn;      // SNS mode
  std::string events_source;  // EventBridge mode (the rule matches this source)
  int samples = 200;
  int warmup = 10;
  int park_ms = 5;
  size_t pad = 256;
};

Options parse_args(int argc, char** argv) {
  Options o;
  CLI::App app("Publish -> visible latency of SNS or EventBridge deliveries to an SQS queue");
  nimbus::bench::add_endpoint(app, o.endpoint);
  app.add_option("--queue-url", o.queue_url)->required();
  auto* mode = app.add_option_group("mode", "what publishes: one of");
  mode->add_option("--topic-arn", o.topic_arn, "SNS: publish to this topic");
  mode->add_option("--events-source", o.events_source,
                   "EventBridge: put events with this source (a rule routes them)");
  mode->require_option(1);
  app.add_option("--samples", o.samples)->check(CLI::PositiveNumber);
  app.add_option("--warmup", o.warmup)->check(CLI::NonNegativeNumber);
  app.add_option("--park-ms", o.park_ms)->check(CLI::NonNegativeNumber);
  app.add_option("--pad", o.pad, "bytes of padding in each message");
  nimbus::bench::parse_or_exit(app, argc, argv);
  return o;
}

uint32_t micros(Steady::duration d) {
  return static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

class Probe {
 public:
  explicit Probe(const Options& o)
      : o_(o),
        sqs_(o.endpoint, "sqs", "AmazonSQS"),
        sns_(o.endpoint, "sns", ""),
        events_(o.endpoint, "events", "AWSEvents", "application/x-amz-json-1.1"),
        publisher_(o.endpoint),
        receiver_(o.endpoint) {}

  // The signed request that publishes `marker`.
  std::string publish(const std::string& marker) const {
    std::string message = marker + std::string(o_.pad, 'x');
    if (!o_.topic_arn.empty()) {
      return sns_.form(
          "Action=Publish&Version=2010-03-31&TopicArn=" + nimbus::percent_encode(o_.topic_arn) +
          "&Message=" + nimbus::percent_encode(message));
    }
    json::object detail{{"probe", message}};
    json::object entry{
        {"Source", o_.events_source}, {"DetailType", "probe"}, {"Detail", json::serialize(detail)}};
    return events_.request("PutEvents",
                           json::serialize(json::object{{"Entries", json::array{entry}}}));
  }

  std::string receive(int wait_seconds) const {
    return sqs_.request("ReceiveMessage",
                        json::serialize(json::object{{"QueueUrl", o_.queue_url},
                                                     {"MaxNumberOfMessages", 10},
                                                     {"WaitTimeSeconds", wait_seconds},
                                                     {"VisibilityTimeout", 43200}}));
  }

  // One sample: microseconds to visible (0 when never seen in 30 s) and of
  // the publishing call.
  std::pair<uint32_t, uint32_t> sample(int n) {
    std::string marker = "probe-" + std::to_string(n) + "-";
    std::string pub = publish(marker);
    std::atomic<bool> sent{false};
    Steady::time_point seen{};
    std::string failure;
    std::thread rx([&] {
      try {
        auto give_up = Steady::now() + std::chrono::seconds(30);
        while (Steady::now() < give_up) {
          std::string wire = receive(20);
          sent = true;  // the first long poll is on its way
          HttpResponse r = receiver_.round_trip(wire);
          if (r.status != 200)
            throw std::runtime_error("ReceiveMessage: HTTP " + std::to_string(r.status) + ": " +
                                     r.body);
          if (r.body.find(marker) != std::string::npos) {
            seen = Steady::now();
            return;
          }
        }
      } catch (const std::exception& e) {
        failure = e.what();
        sent = true;
      }
    });
    while (!sent.load()) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(o_.park_ms));
    auto t0 = Steady::now();
    HttpResponse r = publisher_.round_trip(pub);
    auto answered = Steady::now();
    rx.join();
    if (!failure.empty()) throw std::runtime_error(failure);
    if (r.status != 200 || r.body.find("rror") != std::string::npos)
      throw std::runtime_error("publish: HTTP " + std::to_string(r.status) + ": " + r.body);
    return {seen == Steady::time_point{} ? 0 : std::max<uint32_t>(1, micros(seen - t0)),
            micros(answered - t0)};
  }

  uint32_t empty_receive() {
    std::string wire = receive(0);
    auto t0 = Steady::now();
    HttpResponse r = receiver_.round_trip(wire);
    auto t1 = Steady::now();
    if (r.status != 200) throw std::runtime_error("ReceiveMessage: HTTP " + r.body);
    return micros(t1 - t0);
  }

 private:
  const Options& o_;
  Signer sqs_, sns_, events_;
  Connection publisher_, receiver_;
};

json::object figures(std::vector<uint32_t> v) {
  if (v.empty()) return {};
  return json::object{{"p50_ms", round3(percentile_ms(v, 0.50))},
                      {"p99_ms", round3(percentile_ms(v, 0.99))},
                      {"min_ms", round3(percentile_ms(v, 0.0))},
                      {"max_ms", round3(percentile_ms(v, 1.0))}};
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  try {
    Probe probe(o);
    std::vector<uint32_t> visible, call, floor;
    int missed = 0;
    for (int i = 0; i < o.warmup + o.samples; ++i) {
      auto [to_visible, publish] = probe.sample(i);
      if (i < o.warmup) continue;
      if (to_visible == 0) {
        ++missed;
        continue;
      }
      visible.push_back(to_visible);
      call.push_back(publish);
      floor.push_back(probe.empty_receive());
    }
    json::object out{{"samples", visible.size()},
                     {"missed", missed},
                     {"visible", figures(visible)},
                     {"publish_call", figures(call)},
                     {"empty_receive", figures(floor)}};
    std::printf("%s\n", json::serialize(out).c_str());
    return missed == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fanout_probe: %s\n", e.what());
    return 2;
  }
}
