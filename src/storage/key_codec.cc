#include "storage/key_codec.h"

namespace nimbus::storage {

namespace {

constexpr char kEscape = '\x00';
constexpr char kEscapedNul = '\xff';
constexpr char kTerminator = '\x01';
constexpr uint64_t kSignBit = uint64_t{1} << 63;

void append_be64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (i * 8)) & 0xff));
}

void append_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    out.push_back(c);
    if (c == kEscape) out.push_back(kEscapedNul);
  }
}

}  // namespace

KeyBuilder& KeyBuilder::u64(uint64_t v) {
  append_be64(out_, v);
  return *this;
}

KeyBuilder& KeyBuilder::i64(int64_t v) {
  // Flipping the sign bit maps INT64_MIN..INT64_MAX onto 0..UINT64_MAX in order.
  append_be64(out_, static_cast<uint64_t>(v) ^ kSignBit);
  return *this;
}

KeyBuilder& KeyBuilder::str(std::string_view s) {
  append_escaped(out_, s);
  out_.push_back(kEscape);
  out_.push_back(kTerminator);
  return *this;
}

KeyBuilder& KeyBuilder::str_prefix(std::string_view s) {
  append_escaped(out_, s);
  return *this;
}

KeyBuilder& KeyBuilder::tail(std::string_view s) {
  out_.append(s);
  return *this;
}

std::string prefix_successor(std::string_view prefix) {
  std::string out(prefix);
  while (!out.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(out.back());
    if (last != 0xff) {
      ++last;
      return out;
    }
    out.pop_back();
  }
  return out;
}

std::optional<uint64_t> KeyReader::u64() {
  if (in_.size() < 8) return std::nullopt;
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in_[i]);
  in_.remove_prefix(8);
  return v;
}

std::optional<int64_t> KeyReader::i64() {
  auto v = u64();
  if (!v) return std::nullopt;
  return static_cast<int64_t>(*v ^ kSignBit);
}

std::optional<std::string> KeyReader::str() {
  // The bytes between escapes are appended a run at a time (a Kinesis
  // GetRecords decodes 10,000 partition keys).
  std::string out;
  std::string_view rest = in_;
  for (;;) {
    size_t at = rest.find(kEscape);
    if (at == std::string_view::npos || at + 1 >= rest.size()) return std::nullopt;
    out.append(rest.data(), at);
    char next = rest[at + 1];
    rest.remove_prefix(at + 2);
    if (next == kTerminator) {
      in_ = rest;
      return out;
    }
    if (next != kEscapedNul) return std::nullopt;
    out.push_back(kEscape);
  }
}

std::string_view KeyReader::tail() {
  std::string_view rest = in_;
  in_ = {};
  return rest;
}

}  // namespace nimbus::storage
