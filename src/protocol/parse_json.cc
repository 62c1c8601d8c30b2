// awsJson 1.0 / 1.1 input: the body is the input structure in JSON, or in
// CBOR (cbor.h) for clients that send application/x-amz-cbor-1.1; RPC v2
// CBOR bodies are the same documents (tag 1 in seconds there).
#include <cstddef>

#include "protocol/cbor.h"
#include "protocol/input.h"
#include "protocol/input_values.h"

namespace nimbus::protocol::input {
namespace json = boost::json;
namespace {

// Bytes of a request document's arena on the parsing thread's stack: the
// parsed DOM of a typical awsJson request (a DynamoDB GetItem or PutItem, an
// SQS SendMessage) fits.
constexpr size_t kArenaOnStack = 4096;

Result<json::object> shaped(const ServiceModel& model, const OperationModel& op,
                            const json::value& value) {
  if (!value.is_object()) return serialization_error("Request body must be a JSON object");
  const auto* shape = model.input_shape(op);
  if (shape == nullptr) return json::object();
  auto v = json_to_value(model, *shape, value, "");
  if (!v) return v.take_error();
  return std::move(v->get_object());
}

}  // namespace

Result<json::object> parse_json(const ServiceModel& model, const OperationModel& op,
                                std::string_view body) {
  auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return json::object();
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 128;
  opts.allow_invalid_utf8 = false;
  // The document is read into an arena that starts on this stack (a
  // request of a few hundred bytes never calls malloc: a heap first block
  // of 1 KiB is a "large" malloc, which made glibc consolidate its fast
  // bins on every request) and goes on in heap blocks for larger bodies.
  // The shaped value json_to_value builds from it is on the default
  // allocator, so nothing handed on points into the arena.
  alignas(std::max_align_t) unsigned char first_block[kArenaOnStack];
  json::monotonic_resource arena(first_block, sizeof first_block);
  auto value = json::parse(body, ec, json::storage_ptr(&arena), opts);
  if (ec) return serialization_error("Request body is not valid JSON: " + ec.message());
  return shaped(model, op, value);
}

Result<json::object> parse_cbor(const ServiceModel& model, const OperationModel& op,
                                std::string_view body, cbor::Epoch epoch) {
  if (body.empty()) return json::object();
  auto value = cbor::decode(body, epoch);
  if (!value) return value.take_error();
  return shaped(model, op, *value);
}

}  // namespace nimbus::protocol::input
