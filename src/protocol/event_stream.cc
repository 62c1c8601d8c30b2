// Event-stream framing (event_stream.h).
#include "protocol/event_stream.h"

#include "auth/checksum.h"
#include "protocol/model.h"
#include "protocol/serialize_internal.h"

namespace nimbus::protocol {
namespace {

void put_u32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_crc(std::string& out, std::string_view covered) {
  auth::Checksum crc(auth::ChecksumAlgorithm::kCrc32);
  crc.update(covered);
  out += crc.digest();
}

// The model's event-stream union among the output's members, or an invalid Ref.
ser::Ref event_union(const Call& call, std::string* member_name) {
  if (call.service == nullptr || call.operation == nullptr) return {};
  ser::Ref out = ser::resolve_shape(*call.service, call.operation->output_shape);
  if (!out.valid()) return {};
  const auto* members = out.shape->if_contains("members");
  if (members == nullptr || !members->is_object()) return {};
  for (const auto& [name, mref] : members->get_object()) {
    if (!mref.is_object()) continue;
    ser::Ref m = ser::resolve(*call.service, mref.get_object());
    if (m.valid() && m.flag("eventstream")) {
      if (member_name != nullptr) *member_name = std::string(name);
      return m;
    }
  }
  return {};
}

bool is_cbor(const Call& call) {
  return call.protocol == Protocol::kJson11Cbor;
}

std::string content_type(const Call& call) {
  return is_cbor(call) ? "application/x-amz-cbor-1.1" : "application/json";
}

class EventStreamBody final : public http::BodySource,
                              public std::enable_shared_from_this<EventStreamBody> {
 public:
  EventStreamBody(const Call& call, std::string initial, std::shared_ptr<EventSource> events)
      : call_(call), initial_(std::move(initial)), events_(std::move(events)) {
    events_union_ = event_union(call_, nullptr);
  }

  std::optional<uint64_t> size() const override { return std::nullopt; }

  void read(http::BodyCallback next) override {
    if (!initial_sent_) {
      initial_sent_ = true;
      return next(event_stream_message({{":event-type", "initial-response"},
                                        {":content-type", content_type(call_)},
                                        {":message-type", "event"}},
                                       initial_));
    }
    if (done_ || !events_) return next(std::string());
    // The connection may drop the body (the client went away) before the
    // source answers: the answer then has nowhere to go.
    events_->next_event([weak = weak_from_this(), next = std::move(next)](EventResult r) {
      auto self = weak.lock();
      if (!self) return;
      if (!r) {
        self->done_ = true;
        return next(self->exception(r.error()));
      }
      if (!*r) {
        self->done_ = true;
        return next(std::string());
      }
      next(self->event(**r));
    });
  }

 private:
  std::string event(const OutputEvent& e) const {
    ser::Ref ref;
    if (events_union_.valid()) {
      const auto* members = events_union_.shape->if_contains("members");
      const auto* m = members != nullptr && members->is_object()
                          ? members->get_object().if_contains(e.type)
                          : nullptr;
      ref = m != nullptr && m->is_object() ? ser::resolve(*call_.service, m->get_object())
                                           : ser::Ref{};
    }
    std::string payload;
    if (is_cbor(call_)) {
      cbor::Writer w;
      ser::write_wire_cbor(w, *call_.service, ref, e.value);
      payload = w.take();
    } else {
      payload = boost::json::serialize(ref.valid() ? ser::to_wire_json(*call_.service, ref, e.value)
                                                   : boost::json::value(e.value));
    }
    return event_stream_message({{":event-type", e.type},
                                 {":content-type", content_type(call_)},
                                 {":message-type", "event"}},
                                payload);
  }

  std::string exception(const Error& error) const {
    boost::json::object body{{"message", error.message}};
    std::string payload;
    if (is_cbor(call_)) {
      cbor::Writer w;
      w.json(body);
      payload = w.take();
    } else {
      payload = boost::json::serialize(body);
    }
    return event_stream_message({{":exception-type", error.code},
                                 {":content-type", content_type(call_)},
                                 {":message-type", "exception"}},
                                payload);
  }

  Call call_;
  std::string initial_;
  std::shared_ptr<EventSource> events_;
  ser::Ref events_union_;
  bool initial_sent_ = false;
  bool done_ = false;
};

}  // namespace

std::string event_stream_message(const EventHeaders& headers, std::string_view payload) {
  std::string h;
  for (const auto& [name, value] : headers) {
    h.push_back(static_cast<char>(std::min<size_t>(name.size(), 255)));
    h.append(name, 0, std::min<size_t>(name.size(), 255));
    h.push_back(7);  // string
    size_t n = std::min<size_t>(value.size(), 0xffff);
    h.push_back(static_cast<char>((n >> 8) & 0xff));
    h.push_back(static_cast<char>(n & 0xff));
    h.append(value, 0, n);
  }
  std::string out;
  out.reserve(16 + h.size() + payload.size());
  put_u32(out, static_cast<uint32_t>(12 + h.size() + payload.size() + 4));
  put_u32(out, static_cast<uint32_t>(h.size()));
  put_crc(out, out);
  out += h;
  out.append(payload);
  put_crc(out, out);
  return out;
}

std::shared_ptr<http::BodySource> event_stream_body(const Call& call, std::string initial,
                                                    std::shared_ptr<EventSource> events) {
  return std::make_shared<EventStreamBody>(call, std::move(initial), std::move(events));
}

std::string event_stream_member(const Call& call) {
  std::string name;
  (void)event_union(call, &name);
  return name;
}

}  // namespace nimbus::protocol
