#include "services/sns/topics.h"

#include "common/json_fields.h"
#include "services/sns/errors.h"
#include "services/sns/filter_policy.h"
#include "storage/key_codec.h"
#include "storage/storage.h"

namespace nimbus::services::sns {

namespace json = boost::json;

namespace {

constexpr std::string_view kNs = "sns";

std::string topic_key(std::string_view arn) {
  return storage::encode_key(std::string_view("t"), arn);
}
std::string sub_key(std::string_view topic, std::string_view arn) {
  return storage::encode_key(std::string_view("s"), topic, arn);
}

json::object to_json(const AttributeMap& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}
AttributeMap from_json(const json::value* v) {
  AttributeMap m;
  if (v == nullptr || !v->is_object()) return m;
  for (const auto& [k, x] : v->as_object()) {
    if (x.is_string()) m[std::string(k)] = std::string(x.as_string());
  }
  return m;
}

// The entries of `m` whose key starts with `prefix`, after `after`.
template <typename Map>
auto range(const Map& m, std::string_view prefix, std::string_view after, size_t limit) {
  std::vector<typename Map::mapped_type> out;
  auto it = after.empty() ? m.lower_bound(prefix) : m.upper_bound(after);
  for (; it != m.end() && out.size() < limit; ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    out.push_back(it->second);
  }
  return out;
}

}  // namespace

std::string encode(const Topic& t) {
  json::object o{{"arn", t.arn},
                 {"name", t.name},
                 {"account", t.account},
                 {"fifo", t.fifo},
                 {"attributes", to_json(t.attributes)},
                 {"tags", to_json(t.tags)},
                 {"deleted", t.subscriptions_deleted}};
  if (!t.data_protection_policy.empty()) o["dpp"] = t.data_protection_policy;
  return json::serialize(o);
}

std::string encode(const Subscription& s) {
  json::object o{{"arn", s.arn},
                 {"topic", s.topic_arn},
                 {"protocol", s.protocol},
                 {"endpoint", s.endpoint},
                 {"owner", s.owner},
                 {"attributes", to_json(s.attributes)},
                 {"confirmed", s.confirmed}};
  if (!s.token.empty()) o["token"] = s.token;
  return json::serialize(o);
}

std::optional<Topic> decode_topic(std::string_view text) {
  auto o = parse_object(text);
  if (!o || str(*o, "arn").empty()) return std::nullopt;
  Topic t;
  t.arn = str(*o, "arn");
  t.name = str(*o, "name");
  t.account = str(*o, "account");
  t.fifo = boolean(*o, "fifo").value_or(false);
  t.attributes = from_json(o->if_contains("attributes"));
  t.tags = from_json(o->if_contains("tags"));
  t.data_protection_policy = str(*o, "dpp");
  t.subscriptions_deleted = integer(*o, "deleted").value_or(0);
  return t;
}

std::optional<Subscription> decode_subscription(std::string_view text) {
  auto o = parse_object(text);
  if (!o || str(*o, "arn").empty()) return std::nullopt;
  Subscription s;
  s.arn = str(*o, "arn");
  s.topic_arn = str(*o, "topic");
  s.protocol = str(*o, "protocol");
  s.endpoint = str(*o, "endpoint");
  s.owner = str(*o, "owner");
  s.attributes = from_json(o->if_contains("attributes"));
  s.confirmed = boolean(*o, "confirmed").value_or(false);
  s.token = str(*o, "token");
  return s;
}

Status Topics::recover() {
  auto records = env_.storage->records(kNs);
  std::map<std::string, TopicPtr, std::less<>> topics;
  std::map<std::string, SubscriptionPtr, std::less<>> subs;
  Status bad = Status::ok();
  auto st = records.each(storage::encode_key(std::string_view("t")), [&](storage::Entry& e) {
    auto t = decode_topic(e.value);
    if (!t) {
      bad = Error::internal("sns: malformed topic record");
      return;
    }
    std::string arn = t->arn;
    topics[arn] = std::make_shared<Topic>(std::move(*t));
  });
  if (!st) return st;
  st = records.each(storage::encode_key(std::string_view("s")), [&](storage::Entry& e) {
    auto s = decode_subscription(e.value);
    if (!s) {
      bad = Error::internal("sns: malformed subscription record");
      return;
    }
    s->filter = compile_filter(*s);
    std::string arn = s->arn;
    subs[arn] = std::make_shared<Subscription>(std::move(*s));
  });
  if (!st) return st;
  if (!bad) return bad;
  MutexLock lock(mu_);
  topics_ = std::move(topics);
  subs_ = std::move(subs);
  return Status::ok();
}

TopicPtr Topics::find(std::string_view arn) const {
  MutexLock lock(mu_);
  auto it = topics_.find(arn);
  return it == topics_.end() ? nullptr : it->second;
}

std::vector<TopicPtr> Topics::list(std::string_view prefix, std::string_view after,
                                   size_t limit) const {
  MutexLock lock(mu_);
  return range(topics_, prefix, after, limit);
}

void Topics::commit(storage::WriteBatch batch, Done done) {
  env_.storage->commit(std::move(batch), std::move(done));
}

void Topics::put_topic(storage::WriteBatch& b, const Topic& t) {
  b.put(kNs, topic_key(t.arn), encode(t));
  topics_[t.arn] = std::make_shared<Topic>(t);
}

void Topics::put_subscription(storage::WriteBatch& b, const Subscription& s) {
  b.put(kNs, sub_key(s.topic_arn, s.arn), encode(s));
  subs_[s.arn] = std::make_shared<Subscription>(s);
}

void Topics::create(Topic topic, const std::function<Status(const Topic&)>& same, Done done) {
  MutexLock lock(mu_);
  if (auto it = topics_.find(topic.arn); it != topics_.end()) {
    lock.unlock();
    return done(same(*it->second));
  }
  storage::WriteBatch b(topic.arn);
  put_topic(b, topic);
  commit(std::move(b), std::move(done));
}

void Topics::update(const std::string& arn, const std::function<Status(Topic&)>& change,
                    Done done) {
  MutexLock lock(mu_);
  auto it = topics_.find(arn);
  if (it == topics_.end()) {
    lock.unlock();
    return done(errors::topic_not_found());
  }
  Topic copy = *it->second;
  if (auto st = change(copy); !st) {
    lock.unlock();
    return done(std::move(st));
  }
  storage::WriteBatch b(arn);
  put_topic(b, copy);
  commit(std::move(b), std::move(done));
}

void Topics::remove(const std::string& arn, Done done) {
  MutexLock lock(mu_);
  if (topics_.erase(arn) == 0) {
    lock.unlock();
    return done(Status::ok());
  }
  storage::WriteBatch b(arn);
  b.del(kNs, topic_key(arn));
  std::string prefix = arn + ":";
  for (auto it = subs_.lower_bound(prefix);
       it != subs_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
    b.del(kNs, sub_key(arn, it->first));
    it = subs_.erase(it);
  }
  commit(std::move(b), std::move(done));
}

SubscriptionPtr Topics::find_subscription(std::string_view arn) const {
  MutexLock lock(mu_);
  auto it = subs_.find(arn);
  return it == subs_.end() ? nullptr : it->second;
}

std::vector<SubscriptionPtr> Topics::subscriptions(std::string_view topic_arn) const {
  MutexLock lock(mu_);
  return range(subs_, std::string(topic_arn) + ":", {}, SIZE_MAX);
}

std::vector<SubscriptionPtr> Topics::list_subscriptions(std::string_view prefix,
                                                        std::string_view after,
                                                        size_t limit) const {
  MutexLock lock(mu_);
  return range(subs_, prefix, after, limit);
}

Topics::Counts Topics::counts(std::string_view topic_arn) const {
  Counts c;
  for (const auto& s : subscriptions(topic_arn)) ++(s->confirmed ? c.confirmed : c.pending);
  return c;
}

void Topics::subscribe(Subscription sub, const std::function<Status(const Subscription&)>& existing,
                       SubDone done) {
  MutexLock lock(mu_);
  if (topics_.find(sub.topic_arn) == topics_.end()) {
    lock.unlock();
    return done(errors::topic_not_found());
  }
  for (const auto& s : range(subs_, sub.topic_arn + ":", {}, SIZE_MAX)) {
    if (s->protocol == sub.protocol && s->endpoint == sub.endpoint) {
      lock.unlock();
      auto st = existing(*s);
      if (!st) return done(st.take_error());
      return done(s);
    }
  }
  storage::WriteBatch b(sub.topic_arn);
  put_subscription(b, sub);
  auto stored = subs_[sub.arn];
  commit(std::move(b), [stored, done = std::move(done)](Status st) {
    if (!st) return done(st.take_error());
    done(stored);
  });
}

void Topics::update_subscription(const std::string& arn,
                                 const std::function<Status(Subscription&)>& change, SubDone done) {
  MutexLock lock(mu_);
  auto it = subs_.find(arn);
  if (it == subs_.end()) {
    lock.unlock();
    return done(errors::subscription_not_found());
  }
  Subscription copy = *it->second;
  if (auto st = change(copy); !st) {
    lock.unlock();
    return done(st.take_error());
  }
  storage::WriteBatch b(copy.topic_arn);
  put_subscription(b, copy);
  auto stored = subs_[arn];
  commit(std::move(b), [stored, done = std::move(done)](Status st) {
    if (!st) return done(st.take_error());
    done(stored);
  });
}

void Topics::unsubscribe(const std::string& arn, Done done) {
  MutexLock lock(mu_);
  auto it = subs_.find(arn);
  if (it == subs_.end()) {
    lock.unlock();
    return done(Status::ok());
  }
  auto sub = it->second;
  subs_.erase(it);
  storage::WriteBatch b(sub->topic_arn);
  b.del(kNs, sub_key(sub->topic_arn, arn));
  if (auto t = topics_.find(sub->topic_arn); t != topics_.end()) {
    Topic copy = *t->second;
    ++copy.subscriptions_deleted;
    put_topic(b, copy);
  }
  commit(std::move(b), std::move(done));
}

}  // namespace nimbus::services::sns
