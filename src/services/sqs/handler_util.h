// Small helpers shared by the SQS handlers: reading input values, resolving
// the queue a request addresses, building queue URLs. Internal to sqs/.
#pragma once

#include <boost/json.hpp>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json_fields.h"
#include "services/service.h"
#include "services/sqs/errors.h"
#include "services/sqs/queues.h"

namespace nimbus::services::sqs::util {

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

// The queue named by QueueUrl (http://host:port/ACCOUNT/NAME), or by the
// request path when QueueUrl is absent (awsQuery clients post to the URL).
inline Result<QueuePtr> resolve(const Queues& queues, const CallContext& ctx,
                                const Environment& env, const json::object& in) {
  std::string url = str(in, "QueueUrl");
  std::string path = url;
  if (url.empty()) {
    path = ctx.path;
  } else if (auto scheme = url.find("://"); scheme != std::string::npos) {
    auto slash = url.find('/', scheme + 3);
    path = slash == std::string::npos ? std::string() : url.substr(slash);
  }
  if (auto q = path.find('?'); q != std::string::npos) path.resize(q);
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  if (parts.empty()) {
    if (url.empty()) return errors::missing_parameter("QueueUrl");
    return errors::queue_does_not_exist();
  }
  std::string name = parts.back();
  std::string account = parts.size() >= 2 ? parts[parts.size() - 2] : account_of(ctx, env);
  auto q = queues.find(account, name);
  if (!q) return errors::queue_does_not_exist();
  return q;
}

}  // namespace nimbus::services::sqs::util
