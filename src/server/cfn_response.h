// The URLs CloudFormation's custom resources answer at (their ResponseURL):
//   PUT /_aws/cloudformation-response/TOKEN?X-Amz-Signature=SIG  (any host)
// without SigV4: the URL is its own credential, as AWS's presigned S3 URL
// is, so the cfn-response helper's plain PUT (empty Content-Type) works.
// The body goes to CloudFormation as an event delivered to
// arn:aws:cloudformation:REGION:ACCOUNT:custom-resource-response/TOKEN with
// the attribute X-Amz-Signature (services/cloudformation/custom_responses.h
// is that target), so the server includes no service. "_aws" is not a
// bucket name: no S3 path-style request starts with this path.
// Runs on the event loop; never blocks.
#pragma once

#include <string>
#include <string_view>

#include "events/target.h"
#include "http/server.h"

namespace nimbus::server {

bool is_cfn_response_path(std::string_view path);

// Answers 200 (the answer was taken), 403 (no custom resource waits at
// this URL), or 405 (not a PUT), the way S3 answers a presigned PUT.
void handle_cfn_response(const http::Request& request, http::Reply reply,
                         const events::Targets& targets, const std::string& region,
                         const std::string& account_id);

}  // namespace nimbus::server
