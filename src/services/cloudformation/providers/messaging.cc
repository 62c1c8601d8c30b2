// AWS::SQS::Queue, AWS::SQS::QueuePolicy, AWS::SNS::Topic, AWS::SNS::Subscription.
#include <algorithm>
#include <vector>

#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

using provide::text;

namespace {

// SQS attributes a queue's properties carry, by their property names.
constexpr std::string_view kQueueAttributes[] = {"ContentBasedDeduplication",
                                                 "DeduplicationScope",
                                                 "DelaySeconds",
                                                 "FifoQueue",
                                                 "FifoThroughputLimit",
                                                 "KmsDataKeyReusePeriodSeconds",
                                                 "KmsMasterKeyId",
                                                 "MaximumMessageSize",
                                                 "MessageRetentionPeriod",
                                                 "ReceiveMessageWaitTimeSeconds",
                                                 "RedriveAllowPolicy",
                                                 "RedrivePolicy",
                                                 "SqsManagedSseEnabled",
                                                 "VisibilityTimeout"};

json::object queue_attributes(const json::object& props) {
  json::object a;
  for (auto name : kQueueAttributes) {
    if (const auto* v = props.if_contains(name)) a[name] = text(*v);
  }
  return a;
}

std::string queue_name(const ResourceRequest& r) {
  bool fifo = boolean(r.properties, "FifoQueue").value_or(false);
  if (has(r.properties, "QueueName")) return str(r.properties, "QueueName");
  return r.name_or_generated("QueueName", fifo ? 75 : 80) + (fifo ? ".fifo" : "");
}

Provided queue(const ResourceRequest& r, const std::string& url, const std::string& name) {
  return {url, json::object{{"Arn", r.arn("sqs", name)}, {"QueueName", name}, {"QueueUrl", url}}};
}

// The URL CreateQueue answers (services/sqs/input.h queue_url()).
std::string queue_url(const ResourceRequest& r) {
  return r.ctx.endpoint_url + "/" + r.account_id + "/" + queue_name(r);
}

void create_queue(const ResourceRequest& r, ProvideDone done) {
  std::string name = queue_name(r);
  json::object in{{"QueueName", name}, {"Attributes", queue_attributes(r.properties)}};
  auto tags = provide::tag_map(r.properties.if_contains("Tags"));
  if (!tags.empty()) in["tags"] = std::move(tags);
  r.call("sqs", "CreateQueue", std::move(in), [r, name, done](Output out) {
    if (!out) return done(out.take_error());
    done(queue(r, str(*out, "QueueUrl"), name));
  });
}

// Resource import: the queue at QueueUrl, if SQS has it.
void read_queue(const ResourceRequest& r, ProvideDone done) {
  json::object in{{"QueueUrl", r.physical_id}, {"AttributeNames", json::array{"QueueArn"}}};
  r.call("sqs", "GetQueueAttributes", std::move(in), [r, done](Output out) {
    if (!out) return done(out.take_error());
    std::string url = r.physical_id;
    std::string name = url.substr(url.rfind('/') + 1);
    Provided p = queue(r, url, name);
    if (const auto* a = out->if_contains("Attributes"); a != nullptr && a->is_object()) {
      if (has(a->as_object(), "QueueArn")) p.attributes["Arn"] = str(a->as_object(), "QueueArn");
    }
    done(std::move(p));
  });
}

void update_queue(const ResourceRequest& r, ProvideDone done) {
  json::object attributes = queue_attributes(r.properties);
  // Attributes the template no longer sets go back to SQS's defaults.
  for (auto [name, fallback] : {std::pair{"DelaySeconds", "0"},
                                {"MaximumMessageSize", "262144"},
                                {"MessageRetentionPeriod", "345600"},
                                {"ReceiveMessageWaitTimeSeconds", "0"},
                                {"VisibilityTimeout", "30"},
                                {"RedrivePolicy", ""}}) {
    if (!attributes.contains(name) && r.old_properties.contains(name)) attributes[name] = fallback;
  }
  attributes.erase("FifoQueue");
  json::object in{{"QueueUrl", r.physical_id}, {"Attributes", std::move(attributes)}};
  std::vector<provide::Step> steps{
      provide::call_step(r, "sqs", "SetQueueAttributes", std::move(in))};
  for (auto& s : provide::retag_steps(
           r,
           {"sqs", "TagQueue", "UntagQueue", "QueueUrl", "Tags", "TagKeys", provide::TagApi::kMap},
           r.physical_id)) {
    steps.push_back(std::move(s));
  }
  provide::in_order(std::move(steps), [r, done](Status st) {
    if (!st) return done(st.take_error());
    done(Provided{r.physical_id, r.attributes});
  });
}

void delete_queue(const ResourceRequest& r, RemoveDone done) {
  r.call("sqs", "DeleteQueue", json::object{{"QueueUrl", r.physical_id}},
         [done = provide::ignoring({"QueueDoesNotExist"}, done)](Output out) {
           done(out ? Status::ok() : Status(out.take_error()));
         });
}

json::object topic_attributes(const json::object& props) {
  json::object a;
  for (auto name :
       {"DisplayName", "FifoTopic", "ContentBasedDeduplication", "KmsMasterKeyId",
        "SignatureVersion", "TracingConfig", "ArchivePolicy", "DeliveryStatusLogging"}) {
    if (const auto* v = props.if_contains(name)) a[name] = text(*v);
  }
  return a;
}

std::string topic_name(const ResourceRequest& r) {
  bool fifo = boolean(r.properties, "FifoTopic").value_or(false);
  if (has(r.properties, "TopicName")) return str(r.properties, "TopicName");
  return r.name_or_generated("TopicName", fifo ? 251 : 256) + (fifo ? ".fifo" : "");
}

std::string topic_arn(const ResourceRequest& r) {
  return r.arn("sns", topic_name(r));
}

void create_topic(const ResourceRequest& r, ProvideDone done) {
  std::string name = topic_name(r);
  json::object in{{"Name", name}, {"Attributes", topic_attributes(r.properties)}};
  if (const auto* t = r.properties.if_contains("Tags"); t != nullptr && t->is_array())
    in["Tags"] = *t;
  r.call("sns", "CreateTopic", std::move(in), [r, name, done](Output out) {
    if (!out) return done(out.take_error());
    std::string arn = str(*out, "TopicArn");
    // Inline subscriptions (Subscription: [{Endpoint, Protocol}]).
    std::vector<provide::Step> steps;
    if (const auto* subs = r.properties.if_contains("Subscription"); subs && subs->is_array()) {
      for (const auto& s : subs->as_array()) {
        if (!s.is_object()) continue;
        json::object sub{{"TopicArn", arn},
                         {"Protocol", str(s.as_object(), "Protocol")},
                         {"Endpoint", str(s.as_object(), "Endpoint")}};
        steps.push_back([r, sub](std::function<void(Status)> next) {
          r.call("sns", "Subscribe", sub,
                 [next](Output o) { next(o ? Status::ok() : Status(o.take_error())); });
        });
      }
    }
    provide::in_order(std::move(steps), [arn, name, done](Status st) {
      if (!st) return done(st.take_error());
      done(Provided{arn, json::object{{"TopicArn", arn}, {"TopicName", name}}});
    });
  });
}

// Resource import: the topic TopicArn names, if SNS has it.
void read_topic(const ResourceRequest& r, ProvideDone done) {
  r.call("sns", "GetTopicAttributes", json::object{{"TopicArn", r.physical_id}},
         [arn = r.physical_id, done](Output out) {
           if (!out) return done(out.take_error());
           done(Provided{arn, json::object{{"TopicArn", arn},
                                           {"TopicName", arn.substr(arn.rfind(':') + 1)}}});
         });
}

void update_topic(const ResourceRequest& r, ProvideDone done) {
  std::vector<provide::Step> steps;
  json::object attributes = topic_attributes(r.properties);
  if (!attributes.contains("DisplayName") && r.old_properties.contains("DisplayName")) {
    attributes["DisplayName"] = "";
  }
  for (const auto& [name, value] : attributes) {
    json::object in{
        {"TopicArn", r.physical_id}, {"AttributeName", name}, {"AttributeValue", value}};
    steps.push_back([r, in](std::function<void(Status)> next) {
      r.call("sns", "SetTopicAttributes", in,
             [next](Output o) { next(o ? Status::ok() : Status(o.take_error())); });
    });
  }
  for (auto& s : provide::retag_steps(r, {"sns", "TagResource", "UntagResource", "ResourceArn"},
                                      r.physical_id)) {
    steps.push_back(std::move(s));
  }
  provide::in_order(std::move(steps), [r, done](Status st) {
    if (!st) return done(st.take_error());
    done(Provided{r.physical_id, r.attributes});
  });
}

void delete_topic(const ResourceRequest& r, RemoveDone done) {
  r.call("sns", "DeleteTopic", json::object{{"TopicArn", r.physical_id}},
         [done = provide::ignoring({"NotFoundException"}, done)](Output out) {
           done(out ? Status::ok() : Status(out.take_error()));
         });
}

void create_subscription(const ResourceRequest& r, ProvideDone done) {
  json::object in{{"TopicArn", str(r.properties, "TopicArn")},
                  {"Protocol", str(r.properties, "Protocol")},
                  {"ReturnSubscriptionArn", true}};
  if (has(r.properties, "Endpoint")) in["Endpoint"] = str(r.properties, "Endpoint");
  json::object attributes;
  for (auto name : {"FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
                    "DeliveryPolicy", "SubscriptionRoleArn"}) {
    if (const auto* v = r.properties.if_contains(name)) attributes[name] = text(*v);
  }
  if (!attributes.empty()) in["Attributes"] = std::move(attributes);
  r.call("sns", "Subscribe", std::move(in), [done](Output out) {
    if (!out) return done(out.take_error());
    std::string arn = str(*out, "SubscriptionArn");
    done(Provided{arn, json::object{{"Arn", arn}}});
  });
}

void delete_subscription(const ResourceRequest& r, RemoveDone done) {
  r.call("sns", "Unsubscribe", json::object{{"SubscriptionArn", r.physical_id}},
         [done = provide::ignoring({"NotFoundException"}, done)](Output out) {
           done(out ? Status::ok() : Status(out.take_error()));
         });
}

// ---- AWS::SQS::QueuePolicy: the document as the Policy attribute of each
// queue URL in Queues (physical id: a generated name, as AWS's is).

std::vector<std::string> policy_queues(const json::object& props) {
  std::vector<std::string> out;
  if (const auto* q = props.if_contains("Queues"); q && q->is_array()) {
    for (const auto& url : q->as_array()) {
      if (url.is_string()) out.emplace_back(url.as_string());
    }
  }
  return out;
}

std::string policy_text(const json::object& props) {
  const auto* doc = props.if_contains("PolicyDocument");
  if (doc == nullptr) return "";
  return doc->is_string() ? std::string(doc->as_string()) : json::serialize(*doc);
}

provide::Step set_policy(const ResourceRequest& r, std::string url, std::string policy) {
  return [r, url, policy](std::function<void(Status)> next) {
    r.call("sqs", "SetQueueAttributes",
           {{"QueueUrl", url}, {"Attributes", json::object{{"Policy", policy}}}},
           [next](Output o) { next(o ? Status::ok() : Status(o.take_error())); });
  };
}

void put_queue_policy(const ResourceRequest& r, ProvideDone done) {
  std::string policy = policy_text(r.properties);
  auto queues = policy_queues(r.properties);
  std::vector<provide::Step> steps;
  for (const auto& url : queues) steps.push_back(set_policy(r, url, policy));
  // Queues an update no longer names lose the policy.
  for (const auto& url : policy_queues(r.old_properties)) {
    if (std::find(queues.begin(), queues.end(), url) == queues.end()) {
      steps.push_back(set_policy(r, url, ""));
    }
  }
  std::string id = r.physical_id.empty() ? r.generated_name : r.physical_id;
  provide::in_order(std::move(steps), [id, done](Status st) {
    if (!st) return done(st.take_error());
    done(Provided{id, {}});
  });
}

void delete_queue_policy(const ResourceRequest& r, RemoveDone done) {
  std::vector<provide::Step> steps;
  for (const auto& url : policy_queues(r.properties)) {
    provide::Step clear = set_policy(r, url, "");
    // A queue already gone has no policy left to remove.
    steps.push_back([clear](std::function<void(Status)> next) {
      clear([next](Status st) {
        next(!st && st.error().code == "QueueDoesNotExist" ? Status::ok() : st);
      });
    });
  }
  provide::in_order(std::move(steps), std::move(done));
}

}  // namespace

const Importer kQueueImport{"AWS::SQS::Queue", "QueueUrl", read_queue};
const Importer kTopicImport{"AWS::SNS::Topic", "TopicArn", read_topic};
const Provider kQueue{"AWS::SQS::Queue",          create_queue, update_queue, delete_queue,
                      {"QueueName", "FifoQueue"}, queue_url};
const Provider kTopic{"AWS::SNS::Topic",
                      create_topic,
                      update_topic,
                      delete_topic,
                      {"TopicName", "FifoTopic", "Subscription"},
                      topic_arn};
const Provider kQueuePolicy{
    "AWS::SQS::QueuePolicy", put_queue_policy, put_queue_policy, delete_queue_policy, {}};
const Provider kSubscription{
    "AWS::SNS::Subscription", create_subscription, nullptr, delete_subscription, {}};

}  // namespace nimbus::services::cloudformation::providers
