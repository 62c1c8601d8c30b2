#include "services/cloudformation/providers/provider.h"

#include <algorithm>
#include <memory>

#include <spdlog/spdlog.h>

namespace nimbus::services::cloudformation {

void ResourceRequest::call(std::string_view model, std::string_view operation, json::object input,
                           std::function<void(Output)> then) const {
  CallContext c = ctx;
  calls->call(model, operation, std::move(c), std::move(input), std::move(then));
}

std::string ResourceRequest::name_or_generated(std::string_view property, size_t limit) const {
  if (const auto* v = properties.if_contains(property); v != nullptr && v->is_string()) {
    return std::string(v->as_string());
  }
  if (generated_name.size() <= limit) return generated_name;
  // Keep the random suffix: cut the stack and logical id part.
  auto dash = generated_name.rfind('-');
  std::string suffix = dash == std::string::npos ? std::string() : generated_name.substr(dash);
  if (suffix.size() >= limit) return generated_name.substr(0, limit);
  return generated_name.substr(0, limit - suffix.size()) + suffix;
}

std::string ResourceRequest::arn(std::string_view service, std::string_view resource) const {
  return "arn:aws:" + std::string(service) + ":" + region + ":" + account_id + ":" +
         std::string(resource);
}

namespace provide {

std::string text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  return json::serialize(v);
}

json::object tag_map(const json::value* tags) {
  json::object out;
  if (tags != nullptr && tags->is_object()) {  // a map, as AWS::ApiGatewayV2 types take them
    for (const auto& [k, v] : tags->as_object()) out[k] = text(v);
    return out;
  }
  if (tags == nullptr || !tags->is_array()) return out;
  for (const auto& t : tags->as_array()) {
    if (!t.is_object()) continue;
    const auto* k = t.as_object().if_contains("Key");
    const auto* v = t.as_object().if_contains("Value");
    if (k != nullptr && k->is_string() && v != nullptr) out[k->as_string()] = text(*v);
  }
  return out;
}

void copy(const json::object& from, json::object& to, const std::vector<std::string_view>& names) {
  for (auto n : names) {
    if (const auto* v = from.if_contains(n)) to[n] = *v;
  }
}

RemoveDone ignoring(std::initializer_list<std::string_view> codes, RemoveDone done) {
  std::vector<std::string> list(codes.begin(), codes.end());
  return [list, done = std::move(done)](Status st) {
    if (!st) {
      for (const auto& c : list) {
        if (st.error().code == c) return done(Status::ok());
      }
    }
    done(std::move(st));
  };
}

void in_order(std::vector<Step> steps, std::function<void(Status)> done) {
  struct Chain : std::enable_shared_from_this<Chain> {
    std::vector<Step> steps;
    std::function<void(Status)> done;
    size_t next = 0;
    void run() {
      if (next == steps.size()) return done(Status::ok());
      auto self = shared_from_this();
      steps[next++]([self](Status st) {
        if (!st) return self->done(std::move(st));
        self->run();
      });
    }
  };
  auto chain = std::make_shared<Chain>();
  chain->steps = std::move(steps);
  chain->done = std::move(done);
  chain->run();
}

void complete_or_undo(std::vector<Step> steps, Step undo, std::function<void(Status)> done) {
  in_order(std::move(steps), [undo = std::move(undo), done = std::move(done)](Status st) {
    if (st) return done(std::move(st));
    auto failure = std::make_shared<Status>(std::move(st));
    undo([failure, done](Status undone) {
      if (!undone) {
        spdlog::warn("cloudformation: undoing a failed create failed: {}", undone.error().message);
      }
      done(std::move(*failure));
    });
  });
}

Step call_step(const ResourceRequest& r, std::string model, std::string operation,
               json::object input, std::vector<std::string> ignored) {
  return [r, model = std::move(model), operation = std::move(operation), input = std::move(input),
          ignored = std::move(ignored)](std::function<void(Status)> next) {
    r.call(model, operation, input, [next, ignored](Output o) {
      if (!o && std::find(ignored.begin(), ignored.end(), o.error().code) != ignored.end()) {
        return next(Status::ok());
      }
      next(o ? Status::ok() : Status(o.take_error()));
    });
  };
}

std::vector<Step> retag_steps(const ResourceRequest& r, const TagApi& api, const std::string& id) {
  json::object now = tag_map(r.properties.if_contains("Tags"));
  json::object was = tag_map(r.old_properties.if_contains("Tags"));
  std::vector<Step> steps;
  json::array gone;
  for (const auto& [k, v] : was) {
    if (!now.contains(k)) gone.emplace_back(k);
  }
  if (!gone.empty()) {
    steps.push_back(call_step(r, api.model, api.untag,
                              {{api.id_field, id}, {api.keys_field, std::move(gone)}}));
  }
  json::object changed;
  for (const auto& [k, v] : now) {
    if (const auto* old = was.if_contains(k); old == nullptr || *old != v) changed[k] = v;
  }
  if (changed.empty()) return steps;
  json::value tags;
  if (api.form == TagApi::kMap) {
    tags = std::move(changed);
  } else {
    bool lower = api.form == TagApi::kLowerKeyValue;
    json::array list;
    for (const auto& [k, v] : changed) {
      list.push_back(json::object{{lower ? "key" : "Key", k}, {lower ? "value" : "Value", v}});
    }
    tags = std::move(list);
  }
  steps.push_back(
      call_step(r, api.model, api.tag, {{api.id_field, id}, {api.tags_field, std::move(tags)}}));
  return steps;
}

}  // namespace provide
}  // namespace nimbus::services::cloudformation
