#include "events/role_action.h"

#include "events/target.h"

namespace nimbus::events {

namespace {

struct Row {
  const char* service;   // the ARN's service field
  const char* resource;  // a prefix of its resource part ("" any)
  const char* action;
};

// Most specific rows first.
constexpr Row kRows[] = {
    {"events", "api-destination/", "events:InvokeApiDestination"},
    {"events", "event-bus/", "events:PutEvents"},
    {"kinesis", "", "kinesis:PutRecord"},
    {"states", "", "states:StartExecution"},
    {"sqs", "", "sqs:SendMessage"},
    {"sns", "", "sns:Publish"},
    {"lambda", "", "lambda:InvokeFunction"},
    {"firehose", "", "firehose:PutRecord"},
    {"s3", "", "s3:PutObject"},
};

}  // namespace

std::string role_action(std::string_view target_arn) {
  auto arn = Arn::parse(target_arn);
  if (!arn) return {};
  for (const Row& r : kRows) {
    if (arn->service == r.service && arn->resource.starts_with(r.resource)) return r.action;
  }
  return {};
}

}  // namespace nimbus::events
