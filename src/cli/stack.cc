#include "cli/stack.h"

#include <pugixml.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <thread>

namespace nimbus::cli {

namespace {

constexpr const char* kVersion = "2010-05-15";
constexpr auto kPoll = std::chrono::milliseconds(50);

struct Stack {
  std::string status;
  std::string reason;
  std::map<std::string, std::string> parameters;
  std::vector<std::pair<std::string, std::string>> outputs;
};

struct Event {
  std::string id, timestamp, logical_id, type, status, reason;
};

Result<pugi::xml_document*> parse(const std::string& xml, pugi::xml_document& doc) {
  if (!doc.load_buffer(xml.data(), xml.size())) {
    return Error::make("InvalidResponse", "CloudFormation answered with malformed XML");
  }
  return &doc;
}

Result<std::string> call(Client& c, const std::string& action, const Client::QueryParams& p) {
  return c.query_call("cloudformation", kVersion, action, p);
}

// The stack, or nullopt when it does not exist.
Result<std::optional<Stack>> describe(Client& c, const std::string& name) {
  auto xml = call(c, "DescribeStacks", {{"StackName", name}});
  if (!xml) {
    if (xml.error().message.find("does not exist") != std::string::npos) {
      return std::optional<Stack>();
    }
    return xml.take_error();
  }
  pugi::xml_document doc;
  NIMBUS_TRY(parse(*xml, doc));
  auto node = doc.select_node("//Stacks/member").node();
  if (!node) return std::optional<Stack>();
  Stack s;
  s.status = node.child_value("StackStatus");
  s.reason = node.child_value("StackStatusReason");
  for (auto m : node.child("Parameters").children("member")) {
    s.parameters[m.child_value("ParameterKey")] = m.child_value("ParameterValue");
  }
  for (auto m : node.child("Outputs").children("member")) {
    s.outputs.emplace_back(m.child_value("OutputKey"), m.child_value("OutputValue"));
  }
  return std::optional<Stack>(std::move(s));
}

// The newest page of the stack's events, newest first.
Result<std::vector<Event>> events(Client& c, const std::string& name) {
  auto xml = call(c, "DescribeStackEvents", {{"StackName", name}});
  if (!xml) return xml.take_error();
  pugi::xml_document doc;
  NIMBUS_TRY(parse(*xml, doc));
  std::vector<Event> out;
  for (auto x : doc.select_nodes("//StackEvents/member")) {
    auto m = x.node();
    out.push_back({m.child_value("EventId"), m.child_value("Timestamp"),
                   m.child_value("LogicalResourceId"), m.child_value("ResourceType"),
                   m.child_value("ResourceStatus"), m.child_value("ResourceStatusReason")});
  }
  return out;
}

bool settled(const std::string& status) {
  return !status.empty() && !status.ends_with("_IN_PROGRESS");
}

void print_event(std::ostream& out, const Event& e) {
  char line[512];
  std::snprintf(line, sizeof line, "%-36s %-32s %-24s %s\n", e.status.c_str(), e.type.c_str(),
                e.logical_id.c_str(), e.reason.empty() ? "-" : e.reason.c_str());
  out << line << std::flush;
}

// Waits for the stack to leave *_IN_PROGRESS, printing the events that are
// not in `seen`; the failure reason of the first failed resource, if any.
Result<Stack> follow(Client& c, const std::string& name, std::set<std::string>& seen,
                     Event& first_failure, std::ostream& out) {
  for (;;) {
    auto page = events(c, name);
    if (!page) return page.take_error();
    for (auto it = page->rbegin(); it != page->rend(); ++it) {
      if (!seen.insert(it->id).second) continue;
      print_event(out, *it);
      if (first_failure.id.empty() && it->status.ends_with("_FAILED") && !it->reason.empty()) {
        first_failure = *it;
      }
    }
    auto s = describe(c, name);
    if (!s) return s.take_error();
    if (!*s) return Error::make("StackGone", "stack " + name + " no longer exists");
    if (settled((*s)->status)) {
      // The last events may have come after the page was read.
      auto last = events(c, name);
      if (last) {
        for (auto it = last->rbegin(); it != last->rend(); ++it) {
          if (!seen.insert(it->id).second) continue;
          print_event(out, *it);
          if (first_failure.id.empty() && it->status.ends_with("_FAILED") && !it->reason.empty()) {
            first_failure = *it;
          }
        }
      }
      return std::move(**s);
    }
    std::this_thread::sleep_for(kPoll);
  }
}

std::set<std::string> seen_events(Client& c, const std::string& name) {
  std::set<std::string> seen;
  if (auto page = events(c, name)) {
    for (const auto& e : *page) seen.insert(e.id);
  }
  return seen;
}

// Deletes a stack a failed create left behind and waits for it to go.
Status delete_stack(Client& c, const std::string& name, std::ostream& out) {
  out << "Stack " << name << " is in ROLLBACK_COMPLETE after a failed create: deleting it\n";
  if (auto r = call(c, "DeleteStack", {{"StackName", name}}); !r) return r.take_error();
  for (;;) {
    auto s = describe(c, name);
    if (!s) return s.take_error();
    if (!*s || (*s)->status == "DELETE_COMPLETE") return Status::ok();
    if ((*s)->status == "DELETE_FAILED") {
      return Error::make("DeleteFailed", "could not delete " + name + ": " + (*s)->reason);
    }
    std::this_thread::sleep_for(kPoll);
  }
}

bool no_changes(const std::string& reason) {
  return reason.find("didn't contain changes") != std::string::npos ||
         reason.find("No updates are to be performed") != std::string::npos;
}

// `message` with where the template declares (or first names) each name it
// lists in brackets, or the undefined resource it names: "Unresolved
// resource dependencies [Gone] in the Resources block of the template
// (Gone: template.yaml line 7)".
std::string with_lines(const std::string& message, const StackDeploy& d) {
  if (!d.locate) return message;
  std::string notes;
  size_t close = 0;
  for (size_t open = message.find('['); open != std::string::npos;
       open = message.find('[', close)) {
    close = message.find(']', open);
    if (close == std::string::npos) break;
    std::string_view list = std::string_view(message).substr(open + 1, close - open - 1);
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view item = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (auto slash = item.rfind('/'); slash != std::string_view::npos) {
        item.remove_prefix(slash + 1);  // "[/Resources/Q]"
      }
      if (item.empty()) continue;
      std::string where = d.locate(std::string(item));
      if (where.empty()) continue;
      notes += (notes.empty() ? "" : "; ") + std::string(item) + ": " + where;
    }
  }
  // "Template error: instance of Fn::GetAtt references undefined resource X"
  constexpr std::string_view kUndefined = "references undefined resource ";
  if (auto at = message.find(kUndefined); at != std::string::npos) {
    std::string name = message.substr(at + kUndefined.size());
    name = name.substr(0, name.find_first_of(" .,"));
    if (std::string where = name.empty() ? "" : d.locate(name); !where.empty()) {
      notes += (notes.empty() ? "" : "; ") + name + ": " + where;
    }
  }
  return notes.empty() ? message : message + " (" + notes + ")";
}

void print_outputs(std::ostream& out, const Stack& s) {
  if (s.outputs.empty()) return;
  out << "\nOutputs\n";
  for (const auto& [k, v] : s.outputs) out << "  " << k << ": " << v << "\n";
}

}  // namespace

int deploy_stack(Client& c, const StackDeploy& d, std::ostream& out, std::ostream& err) {
  auto fail = [&](const std::string& why) {
    err << "nimbus deploy: " << why << "\n";
    return 1;
  };
  auto existing = describe(c, d.stack_name);
  if (!existing) return fail(existing.error().code + ": " + existing.error().message);
  if (*existing && (*existing)->status == "ROLLBACK_COMPLETE") {
    if (auto st = delete_stack(c, d.stack_name, out); !st) return fail(st.error().message);
    existing = std::optional<Stack>();
  }
  bool create = !*existing || (*existing)->status == "REVIEW_IN_PROGRESS";

  auto now = std::chrono::system_clock::now().time_since_epoch();
  std::string change_set =
      "nimbus-deploy-" +
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  Client::QueryParams p{{"StackName", d.stack_name},
                        {"ChangeSetName", change_set},
                        {"ChangeSetType", create ? "CREATE" : "UPDATE"},
                        {"TemplateBody", d.template_body},
                        {"Capabilities.member.1", "CAPABILITY_IAM"},
                        {"Capabilities.member.2", "CAPABILITY_NAMED_IAM"},
                        {"Capabilities.member.3", "CAPABILITY_AUTO_EXPAND"}};
  int n = 0;
  std::set<std::string> given;
  for (const auto& [k, v] : d.overrides) {
    std::string m = "Parameters.member." + std::to_string(++n);
    p.emplace_back(m + ".ParameterKey", k);
    p.emplace_back(m + ".ParameterValue", v);
    given.insert(k);
  }
  if (!create) {
    for (const auto& [k, v] : (*existing)->parameters) {
      if (given.contains(k) || !d.declared.contains(k)) continue;
      std::string m = "Parameters.member." + std::to_string(++n);
      p.emplace_back(m + ".ParameterKey", k);
      p.emplace_back(m + ".UsePreviousValue", "true");
    }
  }
  if (auto r = call(c, "CreateChangeSet", p); !r) {
    return fail(r.error().code + ": " + with_lines(r.error().message, d));
  }
  out << "Waiting for change set " << change_set << " to be created\n" << std::flush;
  Client::QueryParams which{{"StackName", d.stack_name}, {"ChangeSetName", change_set}};
  for (;;) {
    auto xml = call(c, "DescribeChangeSet", which);
    if (!xml) return fail(xml.error().code + ": " + xml.error().message);
    pugi::xml_document doc;
    if (!doc.load_buffer(xml->data(), xml->size())) return fail("malformed DescribeChangeSet");
    auto result = doc.select_node("//DescribeChangeSetResult").node();
    std::string status = result.child_value("Status");
    if (status == "CREATE_COMPLETE") {
      size_t changes = 0;
      for (auto m : result.child("Changes").children("member")) {
        (void)m;
        ++changes;
      }
      out << changes << " change" << (changes == 1 ? "" : "s") << " to "
          << (create ? "create" : "update") << " stack " << d.stack_name << "\n";
      break;
    }
    if (status == "FAILED") {
      std::string reason = result.child_value("StatusReason");
      (void)call(c, "DeleteChangeSet", which);
      if (no_changes(reason)) {
        out << "No changes to deploy. Stack " << d.stack_name << " is up to date\n";
        if (auto s = describe(c, d.stack_name); s && *s) print_outputs(out, **s);
        return 0;
      }
      return fail("the change set failed: " + with_lines(reason, d));
    }
    std::this_thread::sleep_for(kPoll);
  }

  std::set<std::string> seen = seen_events(c, d.stack_name);
  if (auto r = call(c, "ExecuteChangeSet", which); !r) {
    return fail(r.error().code + ": " + r.error().message);
  }
  Event first_failure;
  auto final_state = follow(c, d.stack_name, seen, first_failure, out);
  if (!final_state) return fail(final_state.error().message);
  const std::string& status = final_state->status;
  if (status == "CREATE_COMPLETE" || status == "UPDATE_COMPLETE") {
    out << "Successfully " << (create ? "created" : "updated") << " stack " << d.stack_name << "\n";
    print_outputs(out, *final_state);
    return 0;
  }
  std::string reason = final_state->reason;
  if (!first_failure.id.empty()) {
    std::string where = d.locate ? d.locate(first_failure.logical_id) : std::string();
    reason = first_failure.logical_id + (where.empty() ? "" : " (" + where + ")") + ": " +
             first_failure.reason;
  }
  return fail("stack " + d.stack_name + " ended " + status +
              (reason.empty() ? std::string() : ": " + reason));
}

Result<std::map<std::string, std::string>> stack_resources(Client& c, const std::string& stack) {
  auto xml = call(c, "DescribeStackResources", {{"StackName", stack}});
  if (!xml) return xml.take_error();
  pugi::xml_document doc;
  NIMBUS_TRY(parse(*xml, doc));
  std::map<std::string, std::string> out;
  for (auto x : doc.select_nodes("//StackResources/member")) {
    auto m = x.node();
    out[m.child_value("LogicalResourceId")] = m.child_value("PhysicalResourceId");
  }
  return out;
}

}  // namespace nimbus::cli
