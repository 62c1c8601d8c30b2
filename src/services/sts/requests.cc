#include "services/sts/requests.h"

#include <cctype>
#include <cmath>
#include <cstring>

#include "common/json_fields.h"
#include "iam/policy.h"
#include "services/sts/validate.h"

namespace nimbus::services::sts {

namespace json = boost::json;

namespace {

bool word(unsigned char c) {
  return std::isalnum(c) || c == '_';
}
// [\w+=,.@-]*
bool name_char(unsigned char c) {
  return word(c) || std::strchr("+=,.@-", c);
}
// [\w+=,.@:\/-]*
bool external_id_char(unsigned char c) {
  return word(c) || std::strchr("+=,.@:/-", c);
}
// [\w+=/:,.@-]*
bool serial_char(unsigned char c) {
  return word(c) || std::strchr("+=/:,.@-", c);
}
bool digit(unsigned char c) {
  return std::isdigit(c);
}
// [\p{L}\p{Z}\p{N}_.:/=+\-@]: letters, digits and spaces in ASCII, and any
// byte of a non-ASCII UTF-8 character.
bool tag_char(unsigned char c) {
  return std::isalnum(c) || c >= 0x80 || std::strchr(" _.:/=+-@", c);
}

// The limit STS packs session policies and tags into (nimbus measures the
// minified policy and the tags' text; AWS compresses them its own way).
constexpr size_t kPackedLimit = 2048;

const json::array* list(const json::object& in, std::string_view key) {
  const auto* v = in.if_contains(key);
  return v && v->is_array() ? &v->as_array() : nullptr;
}

// std::strchr finds the terminating NUL too: a NUL byte is never allowed.
template <bool (*F)(unsigned char)>
bool no_nul(unsigned char c) {
  return c != 0 && F(c);
}

}  // namespace

Result<AssumeRoleInput> read_assume_role(const json::object& in, Constraints check) {
  AssumeRoleInput out;
  iam::AssumeRoleRequest& r = out.request;
  r.role_arn = str(in, "RoleArn");
  r.session_name = str(in, "RoleSessionName");
  if (!has(in, "RoleArn")) {
    check.required("roleArn");
  } else {
    check.text("roleArn", r.role_arn, 20, 2048);
  }
  if (!has(in, "RoleSessionName")) {
    check.required("roleSessionName");
  } else {
    check.text("roleSessionName", r.session_name, 2, 64, no_nul<name_char>, R"([\w+=,.@-]*)");
  }
  int64_t duration = integer(in, "DurationSeconds").value_or(3600);
  if (has(in, "DurationSeconds")) check.number("durationSeconds", duration, 900, 43200);
  r.duration = std::chrono::seconds(duration);
  if (has(in, "ExternalId")) {
    r.external_id = str(in, "ExternalId");
    check.text("externalId", r.external_id, 2, 1224, no_nul<external_id_char>, R"([\w+=,.@:\/-]*)");
  }
  if (has(in, "SourceIdentity")) {
    r.source_identity = str(in, "SourceIdentity");
    check.text("sourceIdentity", r.source_identity, 2, 64, no_nul<name_char>, R"([\w+=,.@-]*)");
  }
  if (has(in, "SerialNumber")) {
    check.text("serialNumber", str(in, "SerialNumber"), 9, 256, no_nul<serial_char>,
               R"([\w+=/:,.@-]*)");
  }
  size_t packed = 0;
  if (const auto* tags = list(in, "Tags")) {
    check.at_most("tags", "[...]", tags->size(), 50);
    for (size_t i = 0; i < tags->size() && i < 50; ++i) {
      if (!(*tags)[i].is_object()) continue;
      const auto& tag = (*tags)[i].as_object();
      std::string key = str(tag, "Key"), value = str(tag, "Value");
      std::string at = "tags." + std::to_string(i + 1) + ".member.";
      check.text(at + "key", key, 1, 128, no_nul<tag_char>, R"([\p{L}\p{Z}\p{N}_.:/=+\-@]+)");
      check.text(at + "value", value, 0, 256, no_nul<tag_char>, R"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)");
      packed += key.size() + value.size();
      r.tags[key] = value;
    }
  }
  if (const auto* arns = list(in, "PolicyArns")) {
    check.at_most("policyArns", "[...]", arns->size(), 10);
    for (size_t i = 0; i < arns->size() && i < 10; ++i) {
      if (!(*arns)[i].is_object()) continue;
      std::string arn = str((*arns)[i].as_object(), "arn");
      check.text("policyArns." + std::to_string(i + 1) + ".member.arn", arn, 20, 2048);
      r.policy_arns.push_back(arn);
    }
  }
  NIMBUS_TRY(check.result());

  if (has(in, "Policy")) {
    std::string text = str(in, "Policy");
    auto policy = nimbus::iam::parse_policy(text, nimbus::iam::PolicyKind::kIdentity);
    if (!policy) return policy.take_error();
    auto minified = parse_object(text);
    r.session_policy = minified ? json::serialize(*minified) : text;
    packed += r.session_policy.size();
  }
  out.report_packed = has(in, "Policy") || has(in, "Tags");
  out.packed_percent = static_cast<int>(
      std::ceil(100.0 * static_cast<double>(packed) / static_cast<double>(kPackedLimit)));
  if (out.packed_percent > 100) {
    return Error::make("PackedPolicyTooLargeException",
                       "Packed policy consumes " + std::to_string(out.packed_percent) +
                           "% of allotted space, please use smaller policy.",
                       400);
  }
  return out;
}

Result<WebIdentityInput> read_web_identity(const json::object& in) {
  Constraints check;
  WebIdentityInput out;
  out.token = str(in, "WebIdentityToken");
  if (!has(in, "WebIdentityToken")) {
    check.required("webIdentityToken");
  } else {
    check.sensitive("webIdentityToken", out.token.size(), 4, 20000);
  }
  if (has(in, "ProviderId")) {
    out.provider_id = str(in, "ProviderId");
    check.text("providerId", out.provider_id, 4, 2048);
  }
  // The members AssumeRoleWithWebIdentity does not have never reach here:
  // the protocol engine reads only the operation's own input shape.
  auto assume = read_assume_role(in, std::move(check));
  if (!assume) return assume.take_error();
  out.assume = std::move(*assume);
  return out;
}

Result<iam::SessionTokenRequest> read_session_token(const json::object& in) {
  Constraints check;
  iam::SessionTokenRequest r;
  int64_t duration = integer(in, "DurationSeconds").value_or(43200);
  if (has(in, "DurationSeconds")) check.number("durationSeconds", duration, 900, 129600);
  r.duration = std::chrono::seconds(duration);
  if (has(in, "SerialNumber")) {
    check.text("serialNumber", str(in, "SerialNumber"), 9, 256, no_nul<serial_char>,
               R"([\w+=/:,.@-]*)");
  }
  if (has(in, "TokenCode")) {
    check.text("tokenCode", str(in, "TokenCode"), 6, 6, no_nul<digit>, R"([\d]*)");
  }
  NIMBUS_TRY(check.result());
  return r;
}

}  // namespace nimbus::services::sts
