// The SNS engine's state: topics and subscriptions in memory (immutable
// snapshots, replaced whole on change) and in storage, namespace `sns`:
//
//   str "t", str TOPIC_ARN             -> topic record (JSON)
//   str "s", str TOPIC_ARN, str SUB_ARN -> subscription record (JSON)
//
// A topic and its subscriptions are one partition (the topic's ARN); every
// change is one WriteBatch inside it. Handlers read snapshots and change
// state only through the calls below, which apply the change in memory under
// the lock, queue its batch (so batches commit in the order of the changes)
// and call `done` from the storage committer once it is durable.
//
// Threads: every method is thread-safe and never blocks, except recover()
// (start-up, main thread). `done` runs on the committer thread: quick.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"
#include "services/service.h"
#include "services/sns/types.h"
#include "storage/write_batch.h"

namespace nimbus::services::sns {

class Topics {
 public:
  using Done = std::function<void(Status)>;

  explicit Topics(Environment& env) : env_(env) {}

  // Reads every topic and subscription back (start-up).
  Status recover();

  TopicPtr find(std::string_view arn) const;
  // Up to `limit` topics whose ARN starts with `prefix` (an account's in a
  // region), after the ARN `after`, in ARN order.
  std::vector<TopicPtr> list(std::string_view prefix, std::string_view after, size_t limit) const;

  // Creates `topic`, or, when its ARN exists, asks `same(existing)` whether
  // the request matches it (its error is the answer otherwise).
  void create(Topic topic, const std::function<Status(const Topic&)>& same, Done done);
  // Applies `change` to a copy of the topic (NotFound when there is none)
  // and stores the copy; nothing changes when `change` fails.
  void update(const std::string& arn, const std::function<Status(Topic&)>& change, Done done);
  // Deletes the topic and its subscriptions; ok when there is none.
  void remove(const std::string& arn, Done done);

  SubscriptionPtr find_subscription(std::string_view arn) const;
  // The topic's subscriptions, in ARN order.
  std::vector<SubscriptionPtr> subscriptions(std::string_view topic_arn) const;
  // Up to `limit` subscriptions whose ARN starts with `prefix`, after `after`.
  std::vector<SubscriptionPtr> list_subscriptions(std::string_view prefix, std::string_view after,
                                                  size_t limit) const;
  struct Counts {
    int64_t confirmed = 0, pending = 0;
  };
  Counts counts(std::string_view topic_arn) const;

  // Adds `sub` to its topic (NotFound when the topic is gone), unless the
  // topic has a subscription with the same protocol and endpoint: then
  // `existing(old)` decides (return it, or an error). `done` gets the
  // subscription that the topic holds afterwards.
  using SubDone = std::function<void(Result<SubscriptionPtr>)>;
  void subscribe(Subscription sub, const std::function<Status(const Subscription&)>& existing,
                 SubDone done);
  // Applies `change` to a copy of the subscription and stores it.
  void update_subscription(const std::string& arn,
                           const std::function<Status(Subscription&)>& change, SubDone done);
  // Removes the subscription (ok when absent) and counts it in its topic's
  // SubscriptionsDeleted.
  void unsubscribe(const std::string& arn, Done done);

 private:
  // Queues `batch`; `done` gets its outcome. Called with mu_ held, so that
  // batches commit in the order their changes were made in memory.
  void commit(storage::WriteBatch batch, Done done) REQUIRES(mu_);
  void put_topic(storage::WriteBatch& b, const Topic& t) REQUIRES(mu_);
  void put_subscription(storage::WriteBatch& b, const Subscription& s) REQUIRES(mu_);

  Environment& env_;
  mutable Mutex mu_;
  std::map<std::string, TopicPtr, std::less<>> topics_ GUARDED_BY(mu_);
  // Keyed by ARN, which starts with the topic's ARN and ':', so a topic's
  // subscriptions are one range.
  std::map<std::string, SubscriptionPtr, std::less<>> subs_ GUARDED_BY(mu_);
};

// Records (JSON), shared with the tests.
std::string encode(const Topic& t);
std::string encode(const Subscription& s);
std::optional<Topic> decode_topic(std::string_view text);
std::optional<Subscription> decode_subscription(std::string_view text);

}  // namespace nimbus::services::sns
