#include "services/kinesis/sequence.h"

#include <charconv>
#include <cstring>

namespace nimbus::services::kinesis {

namespace {

constexpr size_t kShardDigits = 10;
constexpr size_t kSeqDigits = 20;
constexpr size_t kStreamDigits = 24;
constexpr size_t kLength = 2 + kShardDigits + kSeqDigits + kStreamDigits;
static_assert(kLength == kSequenceLength);

template <typename T>
std::optional<T> digits(std::string_view text) {
  T v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

void format_sequence_to(const SequenceNumber& s, char* out) {
  // "49", then each field's decimal digits, zero-padded to its width (no
  // snprintf: PutRecords formats one per record, GetRecords up to 10,000).
  std::memset(out, '0', kLength);
  out[0] = '4';
  out[1] = '9';
  auto put = [out](size_t end, uint64_t v) {
    for (size_t i = end; v != 0; v /= 10) out[--i] = static_cast<char>('0' + v % 10);
  };
  put(2 + kShardDigits, s.shard);
  put(2 + kShardDigits + kSeqDigits, s.seq);
  put(kLength, s.stream_id);
}

std::string format_sequence(const SequenceNumber& s) {
  std::string out(kLength, '0');
  format_sequence_to(s, out.data());
  return out;
}

std::optional<SequenceNumber> parse_sequence(std::string_view text) {
  if (text.size() != kLength || text.substr(0, 2) != "49") return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  auto shard = digits<uint32_t>(text.substr(2, kShardDigits));
  auto seq = digits<uint64_t>(text.substr(2 + kShardDigits, kSeqDigits));
  auto stream = digits<uint64_t>(text.substr(2 + kShardDigits + kSeqDigits));
  if (!shard || !seq || !stream) return std::nullopt;
  return SequenceNumber{*stream, *shard, *seq};
}

}  // namespace nimbus::services::kinesis
