// Kinesis sequence numbers: 56-digit decimal strings, as AWS shows them.
//
//   "49" | shard index (10 digits) | log sequence (20 digits) | stream id (24 digits)
//
// The log sequence is the storage::Log's, which strictly increases per shard
// partition and is never reused (storage/log.h), so within a shard the numbers
// increase with the records, as numbers and as strings (fixed width). A
// child shard has a higher index than its parents, so its numbers are higher
// than theirs, as in AWS. The stream id (never reused by the server) makes a
// number unique across streams, so one from another stream, or from a
// deleted stream of the same name, is recognised and refused. Pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nimbus::services::kinesis {

struct SequenceNumber {
  uint64_t stream_id = 0;
  uint32_t shard = 0;
  uint64_t seq = 0;  // the Log's sequence (0: before the shard's first record)
};

inline constexpr size_t kSequenceLength = 56;

std::string format_sequence(const SequenceNumber& s);
// The same into `out`, kSequenceLength characters.
void format_sequence_to(const SequenceNumber& s, char* out);
// nullopt unless `text` is exactly a number this server formats.
std::optional<SequenceNumber> parse_sequence(std::string_view text);

}  // namespace nimbus::services::kinesis
