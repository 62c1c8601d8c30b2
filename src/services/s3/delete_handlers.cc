// DeleteObjects: up to 1000 keys, each deleted as DeleteObject deletes it,
// answered in request order (Quiet: only the errors).
#include <mutex>

#include "common/json_fields.h"
#include "services/s3/errors.h"
#include "services/s3/names.h"
#include "services/s3/s3_service.h"

namespace nimbus::services::s3 {

namespace json = boost::json;

void S3Service::delete_objects(const CallContext& ctx, json::object in, Respond respond) {
  auto b = existing_bucket(in);
  if (!b) return respond(b.take_error());
  const json::object* del = nullptr;
  if (const auto* d = in.if_contains("Delete"); d && d->is_object()) del = &d->as_object();
  const json::array* objects = nullptr;
  if (del != nullptr) {
    if (const auto* o = del->if_contains("Objects"); o && o->is_array()) objects = &o->as_array();
  }
  if (objects == nullptr || objects->empty() || objects->size() > 1000) {
    return respond(errors::malformed_xml());
  }
  bool quiet = boolean(*del, "Quiet").value_or(false);
  struct State {
    std::mutex mu;
    json::array results;  // one per object, in request order
    size_t left = 0;
    Respond respond;
    bool quiet = false;
  };
  auto state = std::make_shared<State>();
  state->results.resize(objects->size());
  state->left = objects->size();
  state->respond = std::move(respond);
  state->quiet = quiet;
  Caller caller{ctx.request_id, ctx.access_key_id.empty() ? ctx.account_id : ctx.access_key_id};
  for (size_t i = 0; i < objects->size(); ++i) {
    const auto& o = (*objects)[i].is_object() ? (*objects)[i].as_object() : json::object();
    std::string key = str(o, "Key");
    std::string version = str(o, "VersionId");
    auto finish = [state, i, key, version](Result<Removed> st) {
      json::object r;
      r["Key"] = key;
      if (!version.empty()) r["VersionId"] = version;
      if (!st) {
        r["Code"] = st.error().code;
        r["Message"] = st.error().message;
        r["error"] = true;
      } else if (st->delete_marker) {
        r["DeleteMarker"] = true;
        r["DeleteMarkerVersionId"] = st->version_id;
      }
      std::lock_guard lock(state->mu);
      state->results[i] = std::move(r);
      if (--state->left > 0) return;
      json::array deleted, failed;
      for (auto& v : state->results) {
        auto& e = v.as_object();
        if (e.contains("error")) {
          e.erase("error");
          failed.push_back(std::move(e));
        } else if (!state->quiet) {
          deleted.push_back(std::move(e));
        }
      }
      json::object out;
      if (!deleted.empty()) out["Deleted"] = std::move(deleted);
      if (!failed.empty()) out["Errors"] = std::move(failed);
      state->respond(std::move(out));
    };
    if (key.empty() || key.size() > kMaxKeyBytes) {
      finish(key.empty() ? errors::invalid_argument("Invalid key", "Key", key)
                         : errors::key_too_long(key.size()));
      continue;
    }
    if (!version.empty() && !valid_version_id(version)) {
      finish(errors::invalid_version_id(version));
      continue;
    }
    engine_.remove_object(b->name, key, version, "ObjectRemoved:Delete", caller, std::move(finish));
  }
}

}  // namespace nimbus::services::s3
