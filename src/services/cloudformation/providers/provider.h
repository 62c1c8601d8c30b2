// Resource providers: one row per supported resource type, creating,
// updating and deleting it through the owning service's own operations
// (calls.h), the way AWS's Cloud Control API maps a resource type onto its
// service's API. A provider turns the template's resolved properties into
// operation inputs and the outputs into the physical id (what Ref answers)
// and the Fn::GetAtt attributes. The service's validation and errors are
// its own: a failed call fails the resource with the service's message.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "services/operation_calls.h"

namespace nimbus::services::cloudformation {

namespace json = boost::json;

class CustomResponses;  // custom_responses.h

// What a provider sees of one resource operation.
struct ResourceRequest {
  std::string logical_id;
  std::string resource_type;  // the template's Type
  std::string stack_name;
  std::string stack_id;
  std::string region;
  std::string account_id;
  // A name for a resource whose name property is absent:
  // STACK-LOGICAL-SUFFIX, the way AWS names them (providers shorten it to
  // the service's limit).
  std::string generated_name;
  json::object properties;      // resolved; the new ones on update
  json::object old_properties;  // update: as last applied
  std::string physical_id;      // update and delete
  json::object attributes;      // update and delete: as last known

  OperationCalls* calls = nullptr;
  // Where custom resources wait for their handlers' answers.
  CustomResponses* responses = nullptr;
  // Calls `done` once the stack `stack_id` of this engine (a nested stack)
  // has no operation in progress, or after an hour, whichever comes first.
  std::function<void(const std::string& stack_id, std::function<void()> done)> when_settled;
  CallContext ctx;  // account, region, endpoint of the stack's caller

  // Calls `operation` of `model` and hands the result to `then`.
  void call(std::string_view model, std::string_view operation, json::object input,
            std::function<void(Output)> then) const;
  // The name property when given, else the generated name cut to `limit`.
  std::string name_or_generated(std::string_view property, size_t limit) const;
  std::string arn(std::string_view service, std::string_view resource) const;
};

struct Provided {
  std::string physical_id;
  json::object attributes;
  // A custom resource's NoEcho answer: its attributes are masked where a
  // describe call would show them.
  bool no_echo = false;
};
using ProvideDone = std::function<void(Result<Provided>)>;
using RemoveDone = std::function<void(Status)>;

struct Provider {
  std::string_view type;
  void (*create)(const ResourceRequest&, ProvideDone);
  // Applies new properties in place; null when every change replaces.
  void (*update)(const ResourceRequest&, ProvideDone);
  void (*remove)(const ResourceRequest&, RemoveDone);
  // Properties whose change replaces the resource (a new one is created,
  // then the old one deleted), as AWS's resource specification says.
  std::vector<std::string_view> replace_on;
  // The physical id a create will give the resource, known from its
  // properties before the call. Recorded before the create starts, it is what
  // a rollback deletes by when a crash interrupted the create before its
  // answer was recorded. Null when the id is only known from the answer
  // (such a resource may be left behind by a crash during its create).
  std::string (*planned_id)(const ResourceRequest&) = nullptr;
};

// Resource import (CreateChangeSet with ChangeSetType IMPORT): a type that
// can be imported, the property whose value identifies one (its
// ResourceIdentifier, which is also its physical id), and how it is read
// from its service: `read` gets the identifier's value as
// `ResourceRequest::physical_id` and answers the physical id and the
// Fn::GetAtt attributes, or the service's error when it does not exist.
struct Importer {
  std::string_view type;
  std::string_view identifier;
  void (*read)(const ResourceRequest&, ProvideDone);
};

// The error code of a custom resource's failure once its request reached the
// handler (a FAILED answer, an invalid one, no answer): a failed create of it
// still gets a Delete request on rollback, as AWS sends one.
inline constexpr std::string_view kCustomRequestSent = "CustomResourceRequestSent";

// The provider of `type` (Custom::* is AWS::CloudFormation::CustomResource),
// or nullptr when nimbus does not support it.
const Provider* find_provider(std::string_view type);
// Every supported type, for the README and error messages.
std::vector<std::string_view> supported_types();
// How `type` is imported, or nullptr when nimbus cannot import it.
const Importer* find_importer(std::string_view type);

// Helpers the providers share.
namespace provide {
// The value as a string attribute value ("5", "true", a JSON text for
// objects), as services take attribute maps.
std::string text(const json::value& v);
// [{Key, Value}] tags as a {key: value} map.
json::object tag_map(const json::value* tags);
// Copies the members `names` present in `from` into `to`.
void copy(const json::object& from, json::object& to, const std::vector<std::string_view>& names);
// An answer as a step's status.
inline Status status_of(Output& out) {
  return out ? Status::ok() : Status(out.take_error());
}
// An error code answer that means "already gone" counts as done.
RemoveDone ignoring(std::initializer_list<std::string_view> codes, RemoveDone done);
// Runs `steps` one after another (each a call with its continuation);
// stops at the first failure.
using Step = std::function<void(std::function<void(Status)>)>;
void in_order(std::vector<Step> steps, std::function<void(Status)> done);
// Runs `steps` that complete what a create has just made (a bucket's
// configurations, a role's policies). When one fails, `undo` removes what
// the create made (its own failure only logged) and `done` gets the step's
// error: the engine sends no Delete for a failed create, so the provider
// leaves nothing behind itself, as AWS's handlers do.
void complete_or_undo(std::vector<Step> steps, Step undo, std::function<void(Status)> done);
// A step calling `operation` of `model`; an error whose code is in
// `ignored` (the thing is already gone) counts as done.
Step call_step(const ResourceRequest& r, std::string model, std::string operation,
               json::object input, std::vector<std::string> ignored = {});
// How a service tags a resource: its two operations, the member naming the
// resource, and the shape its tags take.
struct TagApi {
  std::string model, tag, untag;
  std::string id_field;
  std::string tags_field = "Tags";
  std::string keys_field = "TagKeys";
  enum Form { kMap, kKeyValue, kLowerKeyValue } form = kKeyValue;
};
// The steps that move the resource `id` from the tags of `old_properties`
// to those of `properties` (both [{Key, Value}]): keys no longer there are
// untagged, new and changed ones tagged. None when they are the same.
std::vector<Step> retag_steps(const ResourceRequest& r, const TagApi& api, const std::string& id);
}  // namespace provide

}  // namespace nimbus::services::cloudformation
