// libFuzzer target for browser POST uploads (src/services/s3/config/): the
// multipart/form-data body, fed in pieces whose sizes the input chooses, and
// the policy document with its conditions checked against the parsed fields.
// Input: one byte of chunk size, then the body; the "policy" field, when the
// body has one, is parsed and checked, and the form's signature fields are
// verified over it (auth/post_form.h: the credential scope's parsing).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "auth/post_form.h"
#include "services/s3/config/form_data.h"
#include "services/s3/config/post_policy.h"
#include "services/s3/config/tagging_xml.h"

using namespace nimbus;
using namespace nimbus::s3config;

namespace {

class OneKey final : public auth::CredentialProvider {
 public:
  std::shared_ptr<const auth::Credentials> find(std::string_view id) const override {
    if (id != "AKID") return nullptr;
    return std::make_shared<auth::Credentials>(
        auth::Credentials{"AKID", "secret", "000000000000", ""});
  }
};

std::string field(const FormFields& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t chunk = data[0] % 64 + 1;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  FormFields fields;
  int64_t file_size = 0;
  FormHandler h{[&](std::string n, std::string v) {
                  fields[std::move(n)] = std::move(v);
                  return Status::ok();
                },
                [](const FilePart&) { return Status::ok(); },
                [&](std::string_view c) {
                  file_size += static_cast<int64_t>(c.size());
                  return Status::ok();
                },
                [] { return Status::ok(); }};
  FormDataParser parser("b0undary", h,
                        FormLimits{.field_bytes = 4096, .header_bytes = 1024, .fields = 32});
  for (size_t at = 0; at < body.size(); at += chunk) {
    if (!parser.feed(body.substr(at, chunk))) return 0;
  }
  (void)parser.finish();
  (void)form_boundary(body.substr(0, 128));
  if (auto tagging = fields.find("tagging"); tagging != fields.end()) {
    (void)parse_tagging_xml(tagging->second);
  }
  auto it = fields.find("policy");
  if (it == fields.end()) return 0;
  auth::PostForm form{it->second,
                      field(fields, "x-amz-algorithm"),
                      field(fields, "x-amz-credential"),
                      field(fields, "x-amz-date"),
                      field(fields, "x-amz-signature"),
                      field(fields, "awsaccesskeyid"),
                      field(fields, "signature"),
                      field(fields, "x-amz-security-token")};
  (void)auth::verify_post(form, OneKey(), Clock::time_point(std::chrono::seconds(1796342400)));
  auto policy = parse_post_policy(it->second);
  if (!policy) return 0;
  (void)check_post_policy(*policy, fields, "bucket", 1796342400000);
  (void)check_post_length(*policy, file_size);
  return 0;
}
