// Templates named by URL (TemplateURL of CreateStack, UpdateStack,
// CreateChangeSet, ValidateTemplate, GetTemplateSummary and of a nested
// stack), read from nimbus's own S3 through its GetObject with the caller's
// context, so the caller needs s3:GetObject on the object as on AWS.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "services/operation_calls.h"

namespace nimbus::services::cloudformation {

inline constexpr size_t kMaxTemplateInS3 = 1024 * 1024;  // AWS's limit for a template in S3

// Bucket and key of a TemplateURL: s3://BUCKET/KEY, path style
// (https://s3[.REGION].amazonaws.com/BUCKET/KEY, http://HOST:PORT/BUCKET/KEY
// on nimbus) or virtual-hosted (https://BUCKET.s3[.REGION].amazonaws.com/KEY,
// http://BUCKET.s3.localhost:PORT/KEY); nullopt for anything else.
std::optional<std::pair<std::string, std::string>> s3_location(std::string_view url);

// Reads the template at `url` and calls `done` (from any thread) with its
// text or a ValidationError in AWS's words: "TemplateURL must be an Amazon S3
// URL." when the URL names no object, "TemplateURL must reference a valid S3
// object to which you have access." when S3 refuses the read, "S3 error: "
// and S3's message otherwise (a missing bucket or key), and AWS's size
// message past 1 MiB.
void read_template_url(OperationCalls& calls, CallContext ctx, const std::string& url,
                       std::function<void(Result<std::string>)> done);

}  // namespace nimbus::services::cloudformation
