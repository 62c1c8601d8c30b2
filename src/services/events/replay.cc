// Replays: an archive's events in [EventStartTime, EventEndTime) sent again
// to the rules of their bus (or those Destination.FilterArns names), each
// with "replay-name" in its envelope, in (time, id) order, a page at a time
// on the worker pool (the events of a page are queued together, so their
// deliveries need not reach the targets in that order). After each page the replay's record keeps
// the key of its last event, so a restart goes on from there (a page cut by a crash is sent again:
// at least once, as EventBridge delivers).
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <future>

#include "common/countdown.h"
#include "common/json_fields.h"
#include "services/events/engine.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

namespace {

constexpr size_t kPage = 100;

// Waits for a commit or a delivery on a worker thread.
Status wait(const std::function<void(std::function<void(Status)>)>& start) {
  std::promise<Status> p;
  start([&p](Status st) { p.set_value(std::move(st)); });
  return p.get_future().get();
}

}  // namespace

void Engine::run_replay(const std::string& name) {
  env_.workers.post([this, gate = gate_, name] {
    auto in = gate->hold();
    if (!in) return;
    if (replay_page(name)) run_replay(name);
  });
}

bool Engine::replay_page(const std::string& name) {
  auto found = archives_->replay(name);
  if (!found || found->done()) return false;
  Replay r = std::move(*found);
  auto finish = [&](const char* state, std::string reason) {
    r.state = state;
    r.reason = std::move(reason);
    r.ended_ms = env_.clock.now_millis();
    (void)wait([&](auto done) { archives_->put_replay(r, std::move(done)); });
    return false;
  };
  if (r.state == "CANCELLING") return finish("CANCELLED", "");
  auto archive = archives_->archive(r.archive);
  if (!archive) return finish("FAILED", "Archive " + r.archive + " does not exist.");
  auto page = archives_->read(r.archive, r.event_start_ms, r.event_end_ms, r.cursor, kPage);
  if (!page) return finish("FAILED", page.error().message);
  if (page->empty()) return finish("COMPLETED", "");
  // The page's events go out together, so their durable queueing shares
  // the group commit (one at a time, a replay ran at one fsync per event).
  Status sent = wait([&](auto done) {
    auto each = countdown(page->size(), std::move(done));
    for (const auto& e : *page) {
      auto event = parse_object(e.envelope);
      if (!event) {
        each(Status::ok());
        continue;
      }
      (*event)["replay-name"] = r.name;
      route(archive->bus, json::value(std::move(*event)), each, r.filter_arns);
    }
  });
  if (!sent) return finish("FAILED", sent.error().message);
  r.cursor = page->back().key;
  r.last_replayed_ms = page->back().time_ms;
  r.state = "RUNNING";  // put_replay keeps a CANCELLING that came meanwhile
  Status kept = wait([&](auto done) { archives_->put_replay(r, std::move(done)); });
  if (!kept)
    spdlog::warn("events: replay {} could not keep its place: {}", name, kept.error().message);
  return true;
}

}  // namespace nimbus::services::eventbridge
