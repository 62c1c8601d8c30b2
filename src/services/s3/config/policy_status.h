// GetBucketPolicyStatus: whether a bucket policy is public, by the rules of
// the S3 user guide ("The meaning of 'public'"): a policy is public when one
// of its Allow statements grants to any principal ("*", {"AWS": "*"}, a
// wildcard in a principal, or NotPrincipal) without a condition that fixes
// the caller: a positive condition (no Not operator, no IfExists) on
// aws:SourceIp (a CIDR other than /0), or with a value without wildcards on
// aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceOwner,
// aws:SourceAccount, s3:x-amz-server-side-encryption-aws-kms-key-id or
// aws:userid.
//
// Pure; thread-safe.
#pragma once

#include <string_view>

namespace nimbus::s3config {

// `policy`: a stored bucket policy document (JSON text). A document that is
// not JSON is not public.
bool bucket_policy_is_public(std::string_view policy);

}  // namespace nimbus::s3config
