#include "services/s3/checksums.h"

#include <cctype>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "services/s3/errors.h"

namespace nimbus::services::s3 {

namespace {

constexpr auth::ChecksumAlgorithm kAll[] = {
    auth::ChecksumAlgorithm::kCrc32, auth::ChecksumAlgorithm::kCrc32c,
    auth::ChecksumAlgorithm::kCrc64Nvme, auth::ChecksumAlgorithm::kSha1,
    auth::ChecksumAlgorithm::kSha256};

}  // namespace

std::optional<auth::ChecksumAlgorithm> checksum_algorithm(std::string_view name) {
  std::string upper;
  for (char c : name)
    upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  for (auto a : kAll) {
    if (auth::checksum_name(a) == upper) return a;
  }
  return std::nullopt;
}

std::string checksum_member(std::string_view algorithm) {
  return "Checksum" + std::string(algorithm);
}

Result<std::optional<ChecksumRequest>> checksum_request(const boost::json::object& in) {
  std::optional<ChecksumRequest> found;
  for (auto a : kAll) {
    std::string member = checksum_member(auth::checksum_name(a));
    if (!has(in, member)) continue;
    if (found) {
      return errors::invalid_request(
          "Expecting a single x-amz-checksum- header. Multiple "
          "checksum Types are not allowed.");
    }
    found = ChecksumRequest{a, str(in, member)};
  }
  std::string named = str(in, "ChecksumAlgorithm");
  if (named.empty()) return found;
  auto a = checksum_algorithm(named);
  if (!a) {
    return errors::invalid_request("Value for x-amz-sdk-checksum-algorithm header is invalid.");
  }
  if (found && found->algorithm != *a) {
    return errors::invalid_request("Value for x-amz-sdk-checksum-algorithm header is invalid.");
  }
  if (!found) found = ChecksumRequest{*a, ""};
  return found;
}

std::optional<std::string> composite_checksum(auth::ChecksumAlgorithm algorithm,
                                              const std::vector<std::string>& parts) {
  auth::Checksum whole(algorithm);
  for (const auto& p : parts) {
    auto raw = base64_decode(p);
    if (p.empty() || !raw) return std::nullopt;
    whole.update(*raw);
  }
  return whole.base64() + "-" + std::to_string(parts.size());
}

std::string checksum_type(std::string_view value) {
  return value.find('-') == std::string_view::npos ? "FULL_OBJECT" : "COMPOSITE";
}

Error checksum_mismatch(std::string_view algorithm) {
  return errors::make(
      "BadDigest",
      "The " + std::string(algorithm) + " you specified did not match the calculated checksum.",
      400);
}

}  // namespace nimbus::services::s3
