// The frames of a stored position (runner.h) as plain JSON: small readers
// shared by the runner and the functions that inspect a stored position
// without running it (frames.cc).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace nimbus::sfn::frames {

inline std::string phase_of(const boost::json::object& f) {
  const auto* p = f.if_contains("phase");
  return p != nullptr && p->is_string() ? std::string(p->as_string()) : std::string();
}

inline int64_t int_of(const boost::json::object& f, std::string_view key) {
  const auto* v = f.if_contains(key);
  return v != nullptr && v->is_number() ? v->to_number<int64_t>() : 0;
}

inline std::string str_of(const boost::json::object& f, std::string_view key) {
  const auto* v = f.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Every live frame of a stored position, without its machine.
template <class F>
bool walk(const boost::json::object& f, const F& fn) {
  if (f.contains("end")) return false;
  if (fn(f)) return true;
  if (const auto* a = f.if_contains("active"); a != nullptr && a->is_object()) {
    for (const auto& kv : a->as_object()) {
      if (kv.value().is_object() && walk(kv.value().as_object(), fn)) return true;
    }
  }
  return false;
}

template <class F>
bool walk_position(const boost::json::value& position, const F& fn) {
  const auto* frames = position.is_object() ? position.as_object().if_contains("frames") : nullptr;
  if (frames == nullptr || !frames->is_array() || frames->as_array().empty()) return false;
  const auto* root = frames->as_array()[0].if_object();
  return root != nullptr && walk(*root, fn);
}

// A position stored as a stack (one branch or iteration at a time, the
// frame above a fork's being its run "run") becomes a tree; without a
// "limit" its fork goes on one run at a time, as it started.
void nest_stack(boost::json::array& frames);

}  // namespace nimbus::sfn::frames
