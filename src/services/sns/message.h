// A published message: read and checked from a Publish (or PublishBatch
// entry) input with SNS's rules and messages, and rendered for each kind of
// endpoint: the Notification JSON envelope (SQS, HTTP), the raw message
// with its attributes (RawMessageDelivery), the `aws:sns` event (Lambda).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "events/delivery.h"
#include "services/sns/types.h"

namespace nimbus::services::sns {

// 256 KiB: the message and every attribute's name, type and value.
constexpr size_t kMaxMessageBytes = 262144;

struct Message {
  std::string id;
  std::string topic_arn;
  std::string subject;  // "" = none
  std::string body;     // the default message
  // MessageStructure=json: the message per protocol ("default" is `body`).
  std::map<std::string, std::string> per_protocol;
  std::vector<events::Attribute> attributes;  // in name order
  std::string group_id;                       // FIFO topics
  std::string dedup_id;                       // FIFO: given or content-based
  std::string sequence;                       // FIFO: 20 digits
  int64_t timestamp_ms = 0;
  size_t bytes = 0;  // what counts against the 256 KiB limit

  // The text a subscription of `protocol` receives.
  const std::string& text_for(const std::string& protocol) const;
};

// Reads Message, Subject, MessageStructure, MessageAttributes,
// MessageGroupId and MessageDeduplicationId from `in` for `topic`. Errors
// are InvalidParameter / ParameterValueInvalid with SNS's messages. The id,
// timestamp and sequence are left for the caller.
Result<Message> read_message(const boost::json::object& in, const Topic& topic);

class Signer;  // signing.h

// Where the envelope's UnsubscribeURL and SigningCertURL point (the server
// as the publisher addressed it) and how envelopes are signed.
struct Rendering {
  std::string endpoint_url;        // "http://host:port"
  const Signer* signer = nullptr;  // null: envelopes go unsigned
  int signature_version = 1;       // the topic's SignatureVersion
  // Mail (email, email-json): the topic's DisplayName and the sender.
  std::string display_name{};
  std::string mail_from{};
  // Signatures made for one message, by canonical string: subscriptions
  // that receive the same text share one. One thread at a time.
  std::shared_ptr<std::map<std::string, std::string>> signatures =
      std::make_shared<std::map<std::string, std::string>>();
};

// SignatureVersion, Signature and SigningCertURL for `canonical`; nullopt
// when `r` has no signer.
struct Signature {
  std::string version, signature, cert_url;
};
std::optional<Signature> sign(const std::string& canonical, const Rendering& r);

// The UnsubscribeURL of `s`: Unsubscribe on the server, working unsigned.
std::string unsubscribe_url(const Subscription& s, const Rendering& r);
// The Notification envelope (SQS and HTTP bodies), formatted as SNS does.
std::string envelope(const Message& m, const Subscription& s, const Rendering& r);
// The Lambda event: {"Records":[{"EventSource":"aws:sns",...,"Sns":{...}}]}.
std::string lambda_event(const Message& m, const Subscription& s, const Rendering& r);
// What `s` receives: the body and, for raw SQS delivery, the attributes.
events::Delivery delivery_for(const Message& m, const Subscription& s, const Rendering& r);

}  // namespace nimbus::services::sns
