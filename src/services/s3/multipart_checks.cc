#include <map>

#include "services/s3/blob_sink.h"
#include "services/s3/errors.h"
#include "services/s3/multipart.h"

namespace nimbus::services::s3 {

namespace {

std::string unquoted(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

Error invalid_part(std::string_view upload_id, const CompletedPart& p) {
  return errors::make("InvalidPart",
                      "One or more of the specified parts could not be found.  The part may not "
                      "have been uploaded, or the specified entity tag may not match the part's "
                      "entity tag.",
                      400)
      .with("UploadId", std::string(upload_id))
      .with("PartNumber", std::to_string(p.number))
      .with("ETag", p.etag);
}

}  // namespace

Result<std::vector<PartInfo>> select_parts(std::string_view upload_id,
                                           const std::vector<CompletedPart>& asked,
                                           const std::vector<PartInfo>& stored) {
  if (asked.empty()) return errors::malformed_xml();
  std::map<int, const PartInfo*> by_number;
  for (const auto& p : stored) by_number[p.number] = &p;
  std::vector<PartInfo> out;
  for (size_t i = 0; i < asked.size(); ++i) {
    if (i > 0 && asked[i].number <= asked[i - 1].number) {
      return errors::make("InvalidPartOrder",
                          "The list of parts was not in ascending order. Parts must be ordered by "
                          "part number.",
                          400)
          .with("UploadId", std::string(upload_id));
    }
    auto it = by_number.find(asked[i].number);
    if (it == by_number.end() || unquoted(it->second->etag) != unquoted(asked[i].etag)) {
      return invalid_part(upload_id, asked[i]);
    }
    // A part checksum the request names must be the one the part has.
    if (!asked[i].checksum.empty() && asked[i].checksum != it->second->checksum) {
      return invalid_part(upload_id, asked[i]);
    }
    out.push_back(*it->second);
  }
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i].size < kMinPartBytes) {
      return errors::make("EntityTooSmall",
                          "Your proposed upload is smaller than the minimum allowed object size.",
                          400)
          .with("ProposedSize", std::to_string(out[i].size))
          .with("MinSizeAllowed", std::to_string(kMinPartBytes))
          .with("PartNumber", std::to_string(out[i].number))
          .with("ETag", unquoted(out[i].etag));
    }
  }
  return out;
}

std::string multipart_etag(const std::vector<PartInfo>& parts) {
  std::string digests;
  for (const auto& p : parts) {
    std::string hexed = unquoted(p.etag);
    for (size_t i = 0; i + 1 < hexed.size(); i += 2) {
      digests.push_back(static_cast<char>(std::stoi(hexed.substr(i, 2), nullptr, 16)));
    }
  }
  return "\"" + hex(md5_of(digests)) + "-" + std::to_string(parts.size()) + "\"";
}

}  // namespace nimbus::services::s3
