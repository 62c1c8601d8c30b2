// The digests SQS returns and checks: MD5 of a body, MD5 of message
// attributes in SQS's binary encoding, SHA-256 for content-based
// deduplication; and the random ids SQS hands out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "services/sqs/types.h"

namespace nimbus::services::sqs {

std::string md5_hex(std::string_view bytes);
std::string sha256_hex(std::string_view bytes);

// SQS's encoding, per attribute in ascending byte order of the name:
//   u32be len(name), name, u32be len(type), type,
//   transport byte (1 = string, 2 = binary), u32be len(value), value
// MD5 of the concatenation, lower-case hex. Empty input -> empty string.
std::string md5_of_attributes(const std::vector<MessageAttribute>& attributes);

uint64_t random_u64();
std::string random_uuid();  // RFC 4122 version 4

}  // namespace nimbus::services::sqs
