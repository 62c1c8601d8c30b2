// CreateChangeSet with ChangeSetType IMPORT: existing resources brought
// into a stack (or made a new stack), named by ResourcesToImport
// (ResourceType, LogicalResourceId, ResourceIdentifier). Checked here as
// AWS checks them before anything runs: each resource is in the template
// with that type, its type can be imported (providers' Importer) and the
// identifier is its type's, it has a DeletionPolicy, no stack holds it yet,
// and the template changes nothing else (no other resource added, changed
// or removed, no Outputs). Executing it imports them (Engine::update with
// StackRequest::imports): the resources are read from their services, not
// created, and their Changes show Action Import.
#include <set>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/cloudformation/cloudformation_service.h"
#include "services/cloudformation/errors.h"

namespace nimbus::services::cloudformation {

namespace {

std::string import_id_list(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return "[" + out + "]";
}

const json::value* import_outputs(const json::object& doc) {
  const auto* o = doc.if_contains("Outputs");
  return o != nullptr && o->is_object() && !o->as_object().empty() ? o : nullptr;
}

}  // namespace

void CloudFormationService::create_import_change_set(const CallContext& ctx, json::object in,
                                                     Respond respond) {
  std::string stack_name = str(in, "StackName");
  const auto* list = in.if_contains("ResourcesToImport");
  if (list == nullptr || !list->is_array() || list->as_array().empty()) {  // nimbus's wording
    return respond(
        Error::validation("ResourcesToImport must name at least one resource for an IMPORT "
                          "change set"));
  }
  auto current = engine_.find(stack_name);
  bool fresh = !current || current->status == "REVIEW_IN_PROGRESS";
  if (!fresh && current->in_progress()) {
    return respond(errors::in_progress(current->name, current->status));
  }
  auto req = stack_request(in, fresh ? nullptr : &*current);
  if (!req) return respond(req.take_error());
  PrepareInput pin = change_set_input(ctx, *req, stack_name);
  auto prepared = prepare(pin);
  if (!prepared) return respond(prepared.take_error());

  // Each resource to import, as the template declares it.
  std::set<std::string> included(prepared->included.begin(), prepared->included.end());
  std::vector<std::string> no_policy, taken;
  for (const auto& item : list->as_array()) {
    if (!item.is_object()) continue;
    const auto& o = item.as_object();
    std::string id = str(o, "LogicalResourceId");
    std::string type = str(o, "ResourceType");
    if (!included.contains(id)) {  // nimbus's wording
      return respond(Error::validation("Resource [" + id +
                                       "] in ResourcesToImport is not declared in the template"));
    }
    std::string declared = prepared->tmpl.resource_type(id);
    if (declared != type) {  // nimbus's wording
      return respond(Error::validation("ResourceType [" + type + "] of resource [" + id +
                                       "] in ResourcesToImport differs from the template's [" +
                                       declared + "]"));
    }
    const Importer* importer = find_importer(type);
    if (importer == nullptr) {  // nimbus's wording
      return respond(Error::validation("Resource type " + type +
                                       " does not support resource import in nimbus"));
    }
    const auto* identifier = o.if_contains("ResourceIdentifier");
    const json::value* value = identifier != nullptr && identifier->is_object()
                                   ? identifier->as_object().if_contains(importer->identifier)
                                   : nullptr;
    if (value == nullptr || !value->is_string() || value->as_string().empty() ||
        identifier->as_object().size() != 1) {  // nimbus's wording
      return respond(Error::validation("ResourceIdentifier of resource [" + id + "] (" + type +
                                       ") must have exactly the property " +
                                       std::string(importer->identifier)));
    }
    std::string physical(value->as_string());
    if (req->imports.contains(id)) {  // nimbus's wording
      return respond(
          Error::validation("Resource [" + id + "] is named twice in ResourcesToImport"));
    }
    req->imports[id] = physical;
    const auto& decl = prepared->tmpl.resources().at(id).as_object();
    if (!has(decl, "DeletionPolicy")) no_policy.push_back(id);
    bool in_this_stack =
        !fresh && current->resources.contains(id) && !current->resources.at(id).physical_id.empty();
    if (in_this_stack || !engine_.owner_of(type, physical).empty()) taken.push_back(id);
  }
  if (!no_policy.empty()) {
    return respond(Error::validation("The following resources to import " +
                                     import_id_list(no_policy) +
                                     " must have DeletionPolicy attribute specified in the "
                                     "template."));
  }
  if (!taken.empty()) {
    return respond(Error::validation("Resources " + import_id_list(taken) +
                                     " passed in ResourceToImport are already in a stack and "
                                     "cannot be imported."));
  }
  // Nothing but the imports may change.
  json::array changes = compute_changes(fresh ? nullptr : &*current, *prepared);
  std::vector<std::string> modified;
  for (auto& change : changes) {
    auto& rc = change.as_object()["ResourceChange"].as_object();
    std::string id = str(rc, "LogicalResourceId");
    auto imported = req->imports.find(id);
    if (str(rc, "Action") != "Add" || imported == req->imports.end()) {
      modified.push_back(id);
      continue;
    }
    rc["Action"] = "Import";
    rc["PhysicalResourceId"] = imported->second;
  }
  if (!modified.empty()) {
    return respond(Error::validation(
        "You have modified resources " + import_id_list(modified) +
        " in your template that are not being imported. Update, create or delete operations "
        "cannot be executed during import operations."));
  }
  const json::value* outputs_now = import_outputs(prepared->tmpl.doc);
  const json::value* outputs_then = fresh ? nullptr : import_outputs(current->processed);
  if ((outputs_now == nullptr) != (outputs_then == nullptr) ||
      (outputs_now != nullptr && *outputs_now != *outputs_then)) {
    return respond(
        Error::validation("As part of the import operation, you cannot modify or add [Outputs]"));
  }

  auto opened = open_change_set(ctx, in, pin, fresh ? nullptr : &*current, fresh, "IMPORT");
  if (!opened) return respond(opened.take_error());
  ChangeSet cs = std::move(*opened);
  cs.changes = std::move(changes);
  cs.request = std::move(*req);
  cs.request.name = stack_name;
  cs.request.change_set_id = cs.id;
  json::object out{{"Id", cs.id}, {"StackId", cs.stack_id}};
  change_sets_.put(std::move(cs), [respond, out](Status st) {
    if (!st) return respond(st.take_error());
    respond(out);
  });
}

}  // namespace nimbus::services::cloudformation
