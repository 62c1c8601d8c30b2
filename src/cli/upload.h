// `nimbus deploy`'s uploads: the deploy bucket in nimbus's S3 and the
// packages in it, named by their digest so unchanged code is not sent again.
#pragma once

#include <string>

#include "cli/client.h"
#include "common/result.h"

namespace nimbus::cli {

// The caller's account id (STS GetCallerIdentity).
Result<std::string> account_id(Client& client);

// Creates `bucket` unless it exists (in the client's region).
Status ensure_bucket(Client& client, const std::string& bucket);

// Puts `body` at bucket/key unless an object is there already (keys are
// digests: an object there has this content). True when it was sent.
Result<bool> upload_once(Client& client, const std::string& bucket, const std::string& key,
                         std::string body);

}  // namespace nimbus::cli
