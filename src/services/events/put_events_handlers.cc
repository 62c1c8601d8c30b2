// EventBridge handlers for events: PutEvents (per-entry results, routed to
// the targets of matching rules, durable before the answer) and
// TestEventPattern.
#include <boost/json.hpp>
#include <cmath>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/events/codec.h"
#include "services/events/errors.h"
#include "services/events/events_service.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

namespace {

constexpr size_t kMaxEntries = 10;
constexpr size_t kMaxRequestBytes = 256 * 1024;

// EventBridge counts an entry's size as its Time (14 bytes), Source,
// DetailType, Detail and Resources, in UTF-8 bytes.
size_t entry_size(const json::object& e) {
  size_t n = has(e, "Time") ? 14 : 0;
  n += str(e, "Source").size() + str(e, "DetailType").size() + str(e, "Detail").size();
  for (const auto& r : string_list(e, "Resources")) n += r.size();
  return n;
}

json::object failed(const std::string& code, const std::string& message) {
  return json::object{{"ErrorCode", code}, {"ErrorMessage", message}};
}

// The event envelope of an entry, or the entry's error (an object with
// ErrorCode and ErrorMessage).
json::object envelope(const json::object& e, const CallContext& ctx, int64_t now_s) {
  auto required = [](const char* field) {
    return failed("InvalidArgument", std::string("Parameter ") + field + " is not valid. Reason: " +
                                         field + " is a required argument.");
  };
  std::string source = str(e, "Source");
  std::string detail_type = str(e, "DetailType");
  std::string detail = str(e, "Detail");
  if (source.empty()) return required("Source");
  if (detail_type.empty()) return required("DetailType");
  if (detail.empty()) return required("Detail");
  if (source.rfind("aws.", 0) == 0) {
    return failed("NotAuthorizedForSourceException", "Not authorized for the source.");
  }
  boost::system::error_code ec;
  auto d = json::parse(detail, ec);
  if (ec || !d.is_object()) return failed("MalformedDetail", "Detail is malformed.");
  int64_t time = now_s;
  if (const auto* t = e.if_contains("Time"); t != nullptr && t->is_number()) {
    double secs = t->to_number<double>();
    if (std::isfinite(secs) && secs > 0 && secs < 1e11) time = static_cast<int64_t>(secs);
  }
  json::array resources;
  for (auto& r : string_list(e, "Resources")) resources.push_back(json::value(r));
  return json::object{{"version", "0"},
                      {"id", new_request_id()},
                      {"detail-type", detail_type},
                      {"source", source},
                      {"account", ctx.account_id},
                      {"time", event_time(time)},
                      {"region", ctx.region},
                      {"resources", std::move(resources)},
                      {"detail", std::move(d)}};
}

}  // namespace

void EventsService::put_events(const CallContext& ctx, object in, Respond respond) {
  const auto* list = in.if_contains("Entries");
  if (list == nullptr || !list->is_array() || list->as_array().empty() ||
      list->as_array().size() > kMaxEntries) {
    return respond(errors::validation(
        "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member "
        "must have length less than or equal to 10"));
  }
  size_t total = 0;
  for (const auto& v : list->as_array()) {
    if (v.is_object()) total += entry_size(v.as_object());
  }
  if (total > kMaxRequestBytes) {
    return respond(
        errors::validation("Total size of the entries in the request is over the limit."));
  }
  struct State {
    Mutex mu;
    json::array results;
    size_t left = 0;
    int64_t failed = 0;
    Respond respond;
  };
  auto state = std::make_shared<State>();
  state->respond = std::move(respond);
  const auto& entries = list->as_array();
  state->left = entries.size();
  state->results.resize(entries.size());
  auto settle = [state](size_t i, json::object result) {
    Respond fire;
    json::object out;
    {
      MutexLock lock(state->mu);
      if (result.contains("ErrorCode")) ++state->failed;
      state->results[i] = std::move(result);
      if (--state->left > 0) return;
      out =
          json::object{{"FailedEntryCount", state->failed}, {"Entries", std::move(state->results)}};
      fire = std::move(state->respond);
    }
    fire(std::move(out));
  };
  int64_t now_s = env_.clock.now_millis() / 1000;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].is_object()) {
      settle(i, failed("InvalidArgument", "Parameter Entries is not valid."));
      continue;
    }
    const auto& e = entries[i].as_object();
    std::string bus = Engine::bus_name(str(e, "EventBusName"));
    if (!engine_->bus(bus)) {
      settle(i, failed("ResourceNotFoundException", "Event bus " + bus + " does not exist."));
      continue;
    }
    auto ev = envelope(e, ctx, now_s);
    if (ev.contains("ErrorCode")) {
      settle(i, std::move(ev));
      continue;
    }
    json::value event = std::move(ev);
    std::string id = str(event.as_object(), "id");
    engine_->route(bus, event, [settle, i, id](Status st) {
      if (!st) return settle(i, failed("InternalFailure", st.error().message));
      settle(i, json::object{{"EventId", id}});
    });
  }
}

Output EventsService::test_event_pattern(const CallContext&, const object& in) const {
  auto pattern = ::nimbus::events::EventPattern::parse(str(in, "EventPattern"));
  if (!pattern) return pattern.error();
  boost::system::error_code ec;
  auto event = json::parse(str(in, "Event"), ec);
  if (ec || !event.is_object()) return errors::validation("Parameter Event is not valid.");
  for (const char* f : {"id", "account", "source", "time", "region", "detail-type"}) {
    if (!event.as_object().contains(f)) return errors::validation("Parameter Event is not valid.");
  }
  return json::object{{"Result", pattern->matches(event)}};
}

}  // namespace nimbus::services::eventbridge
