// The source of a KinesisStreamAsSource delivery stream: reads its Kinesis
// stream through the stream source bound for "kinesis" (events::Targets,
// the same in-process reader Lambda's mappings use), shard by shard in
// order, children after their parents. Each read is appended to the
// delivery stream's Log in one batch with the shard's new position
// (namespace firehose.sources, key NAME/SHARD), so a record enters the
// buffer exactly once, across restarts too. Shards that exist when the
// delivery stream is created start at its creation time (AT_TIMESTAMP).
//
// Threads: reads run on the worker pool, one step of a shard at a time;
// wake-ups come from the source (committer or scheduler thread). Every
// callback enters the owner's Gate first, so the engine may go while
// callbacks are queued.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/gate.h"
#include "common/mutex.h"
#include "services/service.h"
#include "storage/log.h"

namespace nimbus::services::firehose {

class KinesisSource : public std::enable_shared_from_this<KinesisSource> {
 public:
  struct Deps {
    Environment& env;
    storage::Log& log;
    std::shared_ptr<Gate> gate;
    std::function<void(const std::string& name)> appended;  // after each durable append
  };
  KinesisSource(Deps deps, std::string name, std::string stream_arn, int64_t from_ms);
  // Reads the stored positions and starts every shard that is ready.
  void start();
  // No further reads (a read in flight still appends).
  void stop();
  // Removes a delivery stream's stored positions.
  static void forget(storage::Storage& storage, const std::string& name);

 private:
  void discover();
  void open(const std::string& shard, bool child);
  void poll(const std::string& shard);
  void read(const std::string& shard);
  void ended(const std::string& shard, std::vector<std::string> children);
  std::string key(const std::string& shard) const { return name_ + "/" + shard; }
  bool stopped() const;

  Deps deps_;
  const std::string name_;
  const std::string arn_;
  const int64_t from_ms_;
  mutable Mutex mu_;
  bool stopped_ GUARDED_BY(mu_) = false;
  std::map<std::string, std::string> positions_ GUARDED_BY(mu_);
  std::set<std::string> ended_ GUARDED_BY(mu_);
  std::set<std::string> active_ GUARDED_BY(mu_);  // shards being read
};

}  // namespace nimbus::services::firehose
