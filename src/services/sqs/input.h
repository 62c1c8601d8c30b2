// Reading the SQS handlers' input: the queue a request addresses (by
// QueueUrl, or by the request path for awsQuery clients that post to the
// queue's URL), the caller's account, queue URLs. Internal to sqs/.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/json_fields.h"
#include "services/service.h"
#include "services/sqs/errors.h"
#include "services/sqs/queues.h"

namespace nimbus::services::sqs::input {

namespace json = boost::json;

using nimbus::has;
using nimbus::integer;
using nimbus::str;
using nimbus::string_list;
using nimbus::string_map;

inline std::string account_of(const CallContext& ctx, const Environment& env) {
  return ctx.account_id.empty() ? env.settings.account_id : ctx.account_id;
}

inline std::string queue_url(const CallContext& ctx, const Queue& q) {
  return ctx.endpoint_url + "/" + q.account + "/" + q.name;
}

// The account and name a queue URL (http://host:port/ACCOUNT/NAME) or path
// names; the account is empty when the path has only a name.
struct QueuePath {
  std::string account;
  std::string name;
};

// The queue path of the request: QueueUrl's, or the request path's when
// QueueUrl is absent. nullopt when there is no name in it.
inline std::optional<QueuePath> queue_path(const CallContext& ctx, const json::object& in) {
  // Views into the input until the two parts are copied out: under --iam
  // this runs twice per call (the ARN IAM decides on, then the handler).
  std::string_view url;
  if (const auto* v = in.if_contains("QueueUrl"); v != nullptr && v->is_string()) {
    url = v->as_string();
  }
  std::string_view path = url;
  if (url.empty()) {
    path = ctx.path;
  } else if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
    auto slash = url.find('/', scheme + 3);
    path = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
  }
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return std::nullopt;
  auto last = path.rfind('/');
  QueuePath out;
  out.name = path.substr(last == std::string_view::npos ? 0 : last + 1);
  if (last != std::string_view::npos && last > 0) {
    auto before = path.rfind('/', last - 1);
    size_t from = before == std::string_view::npos ? 0 : before + 1;
    out.account = path.substr(from, last - from);
  }
  if (out.name.empty()) return std::nullopt;
  return out;
}

// The queue the request addresses, with SQS's errors.
inline Result<QueuePtr> resolve(const Queues& queues, const CallContext& ctx,
                                const Environment& env, const json::object& in) {
  auto p = queue_path(ctx, in);
  if (!p) {
    if (str(in, "QueueUrl").empty()) return errors::missing_parameter("QueueUrl");
    return errors::queue_does_not_exist();
  }
  auto q = queues.find(p->account.empty() ? account_of(ctx, env) : p->account, p->name);
  if (!q) return errors::queue_does_not_exist();
  return q;
}

}  // namespace nimbus::services::sqs::input
