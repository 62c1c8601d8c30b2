// IAM's output shapes built from its entities, its identifiers and ARNs,
// and the paging every List* operation shares.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "services/iam/model.h"
#include "services/iam/store.h"

namespace nimbus::services::iam {

enum class Kind { kUser, kGroup, kRole };

// "user" / "group" / "role": for ARNs and messages.
const char* noun(Kind kind);

// A new unique id: AIDA/AGPA/AROA/ANPA/AIPA/AKIA/ASIA and 16 characters
// [A-Z2-7] (20 in all, as AWS's); secrets are 40 characters of base64.
std::string new_id(std::string_view prefix);
std::string new_secret();
std::string new_session_token();

// arn:aws:iam::ACCOUNT:user/path/name
std::string iam_arn(std::string_view account, std::string_view type, std::string_view path,
                    std::string_view name);
std::string lower(std::string_view s);

boost::json::array tags_json(const Tags& tags);
Tags tags_of(const boost::json::object& in);

boost::json::object user_json(const User& u);
boost::json::object group_json(const Group& g);
boost::json::object role_json(const Role& r);
boost::json::object policy_json(const ManagedPolicy& p, int attachments);
boost::json::object version_json(const ManagedPolicy& p, int version, bool with_document);
boost::json::object profile_json(const InstanceProfile& p, const State& state);

// One page of a List* answer: items after `Marker`, at most `MaxItems`
// (default 100), with IsTruncated and the next Marker when cut.
void page(const boost::json::object& in, std::vector<boost::json::value> items,
          std::vector<std::string> keys, const char* member, boost::json::object& out);

}  // namespace nimbus::services::iam
