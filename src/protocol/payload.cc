// Which operations carry their payload as a stream (S3 PutObject's Body).
#include "protocol/engine.h"
#include "protocol/model.h"

namespace nimbus::protocol {

namespace {

const boost::json::object* as_object(const boost::json::value* v) {
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

}  // namespace

bool streams_input(const ServiceModel& service, const OperationModel& op) {
  const auto* input = service.input_shape(op);
  if (input == nullptr) return false;
  const auto* payload = input->if_contains("payload");
  const auto* members = as_object(input->if_contains("members"));
  if (payload == nullptr || !payload->is_string() || members == nullptr) return false;
  const auto* member = as_object(members->if_contains(payload->get_string()));
  if (member == nullptr) return false;
  // Older models mark the member, newer ones the shape (StreamingBlob).
  if (const auto* s = member->if_contains("streaming"); s && s->is_bool() && s->get_bool()) {
    return true;
  }
  const auto* target = member->if_contains("shape");
  const auto* shape = target && target->is_string() ? service.shape(target->get_string()) : nullptr;
  const auto* s = shape ? shape->if_contains("streaming") : nullptr;
  return s != nullptr && s->is_bool() && s->get_bool();
}

}  // namespace nimbus::protocol
