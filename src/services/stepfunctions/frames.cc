// What a stored position says without running it: the tasks it waits
// for, whether a restart or a redrive has something to run, and the
// reading of positions stored as a stack.
#include "services/stepfunctions/frames.h"
#include "services/stepfunctions/runner.h"

namespace nimbus::sfn {

namespace json = boost::json;
using frames::int_of;
using frames::phase_of;
using frames::str_of;
using frames::walk_position;

namespace frames {

void nest_stack(json::array& frames) {
  while (frames.size() > 1) {
    json::value child = std::move(frames.back());
    frames.pop_back();
    json::object& p = frames.back().as_object();
    int64_t run = int_of(p, "run");
    size_t n = p["runs"].as_array().size();
    json::array results(n, nullptr);
    const auto& old = p["results"].as_array();
    for (size_t i = 0; i < old.size() && i < n; ++i) results[i] = old[i];
    p["results"] = std::move(results);
    p["done"] = run;
    p["next"] = run + 1;
    p["active"] = json::object{{std::to_string(run), std::move(child)}};
    p.erase("run");
  }
}

}  // namespace frames

bool can_redrive(const json::value& position) {
  const auto* frames = position.is_object() ? position.as_object().if_contains("frames") : nullptr;
  if (frames == nullptr || !frames->is_array() || frames->as_array().empty()) return false;
  const auto* root = frames->as_array()[0].if_object();
  if (root == nullptr || !root->contains("state")) return false;
  const auto* end = root->if_contains("end");
  if (end == nullptr) return root->contains("input");
  return end->is_object() && end->as_object().contains("input");
}

bool is_activity(const std::string& resource) {
  return resource.starts_with("arn:aws:states:") &&
         resource.find(":activity:") != std::string::npos;
}

bool awaits_token(const json::value& position, const std::string& token) {
  return walk_position(position, [&](const json::object& f) {
    std::string phase = phase_of(f);
    return (phase == "task" || phase == "callback") && str_of(f, "token") == token;
  });
}

bool runnable(const json::value& position) {
  return walk_position(position, [](const json::object& f) {
    std::string phase = phase_of(f);
    if (phase == "fork") {
      const auto* a = f.if_contains("active");
      return a == nullptr || !a->is_object() || a->as_object().empty();
    }
    return phase.empty() || phase == "task";
  });
}

std::vector<std::string> task_tokens(const json::value& position) {
  std::vector<std::string> out;
  walk_position(position, [&](const json::object& f) {
    std::string phase = phase_of(f);
    if (phase == "task" || phase == "callback") out.push_back(str_of(f, "token"));
    return false;
  });
  return out;
}

std::vector<std::string> task_children(const json::value& position) {
  std::vector<std::string> out;
  walk_position(position, [&](const json::object& f) {
    if (phase_of(f) == "callback" && !str_of(f, "child").empty()) {
      out.push_back(str_of(f, "child"));
    }
    return false;
  });
  return out;
}

std::optional<int64_t> task_heartbeat(const json::value& position, const std::string& token) {
  std::optional<int64_t> out;
  walk_position(position, [&](const json::object& f) {
    if (str_of(f, "token") != token || !f.contains("phase")) return false;
    if (const auto* h = f.if_contains("heartbeat"); h != nullptr && h->is_int64()) {
      out = h->as_int64();
    }
    return true;
  });
  return out;
}

}  // namespace nimbus::sfn
