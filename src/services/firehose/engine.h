// The Firehose engine: delivery streams (stored definitions), the records
// they accepted (a storage::Log, one partition per stream) and their
// delivery to S3 (delivery.cc).
//
// Durability: a put is answered once its records are appended to the Log;
// they stay there until the object holding them is written to S3, then the
// Log is trimmed past them. A durable timer (storage::Timers, kind "flush",
// id the stream name) is armed for the buffer's interval; start() arms one
// for every stream with records waiting, so kill -9 loses nothing that was
// acknowledged (an object may be written twice if the process dies between
// the S3 write and the trim: at least once, as AWS promises).
//
// Threads: handlers call in from event loops and never block: metadata from
// memory under mu_, appends and definition writes answer from the storage
// committer. Deliveries (read the Log, compress, write to S3) run on the
// worker pool, one at a time per stream.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/gate.h"
#include "common/mutex.h"
#include "events/target_queue.h"
#include "services/firehose/delivery_stream.h"
#include "services/firehose/kinesis_source.h"
#include "services/firehose/processing.h"
#include "services/lambda/api.h"
#include "services/s3/api.h"
#include "services/service.h"
#include "storage/log.h"
#include "storage/timers.h"

namespace nimbus::services::firehose {

class Engine {
 public:
  // `functions` runs Lambda processing (null: streams with a processor are
  // delivered unprocessed; the service refuses to create them).
  Engine(Environment& env, s3::ObjectWriter* s3, lambda::Functions* functions);
  ~Engine();

  // Reads the definitions back, opens the Log and timers, arms a delivery
  // for every stream with records waiting, drops records of streams that
  // no longer exist.
  Status start();

  // ResourceInUseException when the name is taken; `done` once durable.
  void create(DeliveryStream d, const std::string& account, std::function<void(Status)> done);
  std::optional<DeliveryStream> find(const std::string& name) const;
  // Names in order, after `start_after`, of `type` ("" for any).
  std::vector<std::string> names(const std::string& type, const std::string& start_after) const;
  // Changes a stream's definition with `change` (its error is the answer,
  // nothing changed); `done` once the new one is durable.
  void update(const std::string& name, const std::string& account,
              const std::function<Status(DeliveryStream&)>& change,
              std::function<void(Status)> done);
  // Removes the definition, its waiting records and its timer.
  void remove(const std::string& name, const std::string& account,
              std::function<void(Status)> done);
  // Appends `records` to the stream's buffer; `done` gets the first one's
  // sequence once durable (ResourceNotFoundException for no stream).
  void put(const std::string& name, const std::string& account, std::vector<std::string> records,
           std::function<void(Result<uint64_t>)> done);

  // Bytes accepted and not yet delivered (tests, metrics).
  uint64_t buffered_bytes(const std::string& name) const;
  // Decides whether a stream's RoleARN may write its objects (s3:PutObject
  // on each): a refused delivery keeps its records and is tried again with
  // the usual back-off, as Firehose retries S3.AccessDenied; and whether it
  // may invoke its Lambda processor (lambda:InvokeFunction; refused: the
  // batch's records fail to the processing-failed output, processing.h).
  // Set once, before start(); unset: not checked. `trusted` says whether a
  // role lets firehose.amazonaws.com assume it (IAM's trust policy): a
  // refusal by an untrusting role is Firehose's *.AssumeRoleAccessDenied,
  // any other its Lambda.InvokeAccessDenied or S3.AccessDenied (unset:
  // always the latter).
  using TrustCheck = std::function<bool(const std::string& role_arn)>;
  void set_role_check(events::RoleCheck check, TrustCheck trusted = {});

 private:
  struct State {
    DeliveryStream def;
    bool flushing = false;
    bool armed = false;  // a flush timer is stored or being stored
    int failures = 0;    // deliveries failed in a row
  };

  // delivery.cc
  void after_put(const std::string& name);
  void arm(const std::string& name, Clock::time_point due);
  // Delivers what the buffer holds (up to the buffer size) as one object;
  // `finished` runs when this attempt is over.
  void flush(const std::string& name, std::function<void()> finished);
  void deliver(const std::string& name, DeliveryStream def, std::function<void()> finished);
  void delivered(const std::string& name, bool ok, std::function<void()> finished);
  void write(const std::string& name, DeliveryStream def, Processed p, int64_t oldest_ms,
             uint64_t last, std::function<void()> finished);
  enum class Written { kAll, kFailed, kGone };  // kGone: the engine is closing
  void put_all(const std::string& name, std::vector<s3::NewObject> objects, size_t i,
               std::function<void(Written)> then);
  std::string object_key(const DeliveryStream& def, int64_t oldest_ms) const;
  std::string error_key(const DeliveryStream& def, int64_t oldest_ms, std::string_view type) const;
  // Starts reading a KinesisStreamAsSource stream's Kinesis stream.
  void start_source(const DeliveryStream& d);

  Environment& env_;
  s3::ObjectWriter* s3_;
  lambda::Functions* functions_;
  events::RoleCheck role_check_;
  std::unique_ptr<storage::Log> log_;
  std::unique_ptr<storage::Timers> timers_;
  mutable Mutex mu_;
  std::map<std::string, std::shared_ptr<State>> streams_ GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<KinesisSource>> sources_ GUARDED_BY(mu_);
  // Callbacks that may come after we are gone (S3 answers, commits, timers)
  // enter it first.
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
};

}  // namespace nimbus::services::firehose
