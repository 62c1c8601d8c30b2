// Time to live: every kSweepEvery the tables with TTL enabled are read and
// each item whose TTL attribute (a number, epoch seconds) is past is deleted
// through the ordinary item write, which checks again under the item's turn
// that it is still expired. So an expired item goes within one sweep
// period plus the time to read its table; until then reads still return it,
// as on AWS. Each sweep also drops the stream records older than 24 hours
// (trim_streams; and the streams a table no longer has, 24 hours after it
// lost them) and forgets ClientRequestTokens older than 10 minutes
// (sweep_tokens, transact_tokens.cc).
#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodb/item_keys.h"
#include "services/dynamodb/model/value.h"
#include "services/dynamodb/range_read.h"
#include "services/dynamodb/stream_records.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;
namespace model = nimbus::dynamodb;

namespace {

// AWS ignores TTL values more than five years in the past.
constexpr int64_t kFiveYears = 5LL * 365 * 24 * 3600;

bool expired(const json::object& item, const std::string& attribute, int64_t now_s) {
  const auto* v = item.if_contains(attribute);
  if (v == nullptr || model::type_of(*v) != model::Type::kN) return false;
  auto n = model::number_of(*v);
  if (!n) return false;
  return *n <= model::Decimal::from_int(now_s) &&
         *n >= model::Decimal::from_int(now_s - kFiveYears);
}

}  // namespace

void DynamoDbService::schedule_ttl_sweep() {
  MutexLock lock(ttl_mu_);
  if (ttl_stopped_) return;
  env_.scheduler.after(kTtlSweepEvery, [this, gate = ttl_gate_] {
    auto in = gate->hold();
    if (!in) return;
    env_.workers.post([this, in] {
      sweep_ttl();
      trim_streams();
      sweep_tokens();
      schedule_ttl_sweep();
    });
  });
}

size_t DynamoDbService::sweep_ttl() {
  size_t deleted = 0;
  bool more = false;
  for (const auto& name : tables_->names("", SIZE_MAX, more)) {
    auto t = tables_->find(name);
    if (!t || !t->ttl_enabled) continue;
    std::string attribute = t->ttl_attribute;
    std::string cursor;
    for (;;) {
      auto page = items_->scan(table_prefix(*t), 256, cursor, true);
      if (!page || page->empty()) break;
      int64_t now_s = env_.clock.now_millis() / 1000;
      for (const auto& e : *page) {
        auto item = Items::decode(e.value);
        if (!item || !expired(*item, attribute, now_s)) continue;
        ++deleted;
        Decide decide = [attribute,
                         now_s](const std::optional<json::object>& current) -> Result<Decision> {
          bool still = current && expired(*current, attribute, now_s);
          Decision d{still ? Decision::Kind::kDelete : Decision::Kind::kNone, {}, {}};
          d.by_ttl = true;  // its stream record names the service
          return d;
        };
        items_->write(t, e.key, std::move(decide), [](Output) {});
      }
      if (page->size() < 256) break;
      cursor = page->back().key;
    }
  }
  return deleted;
}

void DynamoDbService::trim_streams() {
  if (!stream_log_) return;
  int64_t cutoff = env_.clock.now_millis() - kStreamRetentionMs;
  // Streams tables no longer have go 24 hours after they were replaced or
  // their table deleted.
  for (const auto& old : tables_->expire_old_streams(cutoff)) {
    stream_log_->remove(stream_partition(old.table->name, old.table->stream_label), [](Status) {});
  }
  for (const auto& partition : stream_log_->partitions()) {
    stream_log_->trim_older_than(partition, cutoff, [](Status) {});
  }
}

}  // namespace nimbus::services::dynamodb
