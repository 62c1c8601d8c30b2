#include "services/sqs/codec.h"

#include <array>

#include "common/encoding.h"
#include "storage/key_codec.h"

namespace nimbus::services::sqs::codec {

namespace {
constexpr uint8_t kMessageVersion = 1;
constexpr uint8_t kHandleMagic[3] = {'n', 'b', '1'};
}  // namespace

void Writer::u32(uint32_t v) {
  for (int i = 3; i >= 0; --i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void Writer::u64(uint64_t v) {
  for (int i = 7; i >= 0; --i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void Writer::str(std::string_view s) {
  u32(static_cast<uint32_t>(s.size()));
  out_.append(s);
}

bool Reader::need(size_t n) {
  if (!ok_ || in_.size() < n) ok_ = false;
  return ok_;
}

uint8_t Reader::u8() {
  if (!need(1)) return 0;
  uint8_t v = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return v;
}

uint32_t Reader::u32() {
  if (!need(4)) return 0;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(in_[i]);
  in_.remove_prefix(4);
  return v;
}

uint64_t Reader::u64() {
  if (!need(8)) return 0;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in_[i]);
  in_.remove_prefix(8);
  return v;
}

std::string Reader::str() {
  uint32_t n = u32();
  if (!need(n)) return {};
  std::string s(in_.substr(0, n));
  in_.remove_prefix(n);
  return s;
}

namespace {

std::optional<uint64_t> parse_hex16(std::string_view s) {
  if (s.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

std::string seq_key(std::string_view kind, uint64_t gen, uint64_t seq) {
  return std::string(kind) + storage::encode_key(gen, seq);
}

}  // namespace

std::string message_key(uint64_t gen, uint64_t seq) {
  return seq_key(kMessagePrefix, gen, seq);
}
std::string state_key(uint64_t gen, uint64_t seq) {
  return seq_key(kStatePrefix, gen, seq);
}
std::string dedup_key(uint64_t gen, std::string_view key) {
  storage::KeyBuilder b;
  b.u64(gen).tail(key);
  return std::string(kDedupPrefix) + std::move(b).bytes();
}
std::string queue_key(std::string_view account, std::string_view name) {
  return std::string(kQueuePrefix) + storage::encode_key(account, name);
}

bool decode_seq_key(std::string_view key, uint64_t& gen, uint64_t& seq) {
  return !key.empty() && storage::decode_key(key.substr(1), gen, seq);
}

bool decode_dedup_key(std::string_view key, uint64_t& gen, std::string& dedup) {
  if (key.empty()) return false;
  storage::KeyReader r(key.substr(1));
  auto g = r.u64();
  if (!g) return false;
  gen = *g;
  dedup = std::string(r.tail());
  return true;
}

std::optional<std::string> rekey_legacy(std::string_view key) {
  if (key.empty()) return std::nullopt;
  std::string_view rest = key.substr(1);
  if (key[0] == 'Q') {
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    return queue_key(rest.substr(0, slash), rest.substr(slash + 1));
  }
  auto gen = rest.size() >= 16 ? parse_hex16(rest.substr(0, 16)) : std::nullopt;
  if (!gen) return std::nullopt;
  if (key[0] == 'D') return dedup_key(*gen, rest.substr(16));
  auto seq = rest.size() == 32 ? parse_hex16(rest.substr(16)) : std::nullopt;
  if (!seq) return std::nullopt;
  if (key[0] == 'M') return message_key(*gen, *seq);
  if (key[0] == 'S') return state_key(*gen, *seq);
  return std::nullopt;
}

std::string encode_message(const MessageData& m, int64_t visible_at_ms) {
  Writer w;
  w.u8(kMessageVersion);
  w.str(m.id);
  w.str(m.body);
  w.u32(static_cast<uint32_t>(m.attributes.size()));
  for (const auto& a : m.attributes) {
    w.str(a.name);
    w.str(a.type);
    w.str(a.value);
    w.u8(a.binary ? 1 : 0);
  }
  w.str(m.trace_header);
  w.str(m.md5_body);
  w.str(m.md5_attributes);
  w.str(m.md5_system);
  w.str(m.sender_id);
  w.str(m.group_id);
  w.str(m.dedup_id);
  w.str(m.dlq_source);
  w.i64(m.sent_ms);
  w.u64(m.seq);
  w.i64(visible_at_ms);
  return w.take();
}

bool decode_message(std::string_view in, MessageData& m, int64_t& visible_at_ms) {
  Reader r(in);
  if (r.u8() != kMessageVersion) return false;
  m.id = r.str();
  m.body = r.str();
  uint32_t n = r.u32();
  if (!r.ok() || n > 1000) return false;
  m.attributes.resize(n);
  for (auto& a : m.attributes) {
    a.name = r.str();
    a.type = r.str();
    a.value = r.str();
    a.binary = r.u8() != 0;
  }
  m.trace_header = r.str();
  m.md5_body = r.str();
  m.md5_attributes = r.str();
  m.md5_system = r.str();
  m.sender_id = r.str();
  m.group_id = r.str();
  m.dedup_id = r.str();
  m.dlq_source = r.str();
  m.sent_ms = r.i64();
  m.seq = r.u64();
  visible_at_ms = r.i64();
  return r.ok();
}

std::string encode_state(const ReceiveState& s) {
  Writer w;
  w.u32(s.receive_count);
  w.i64(s.first_receive_ms);
  w.i64(s.visible_at_ms);
  w.u64(s.nonce);
  return w.take();
}

bool decode_state(std::string_view in, ReceiveState& s) {
  Reader r(in);
  s.receive_count = r.u32();
  s.first_receive_ms = r.i64();
  s.visible_at_ms = r.i64();
  s.nonce = r.u64();
  return r.ok();
}

std::string encode_dedup(const DedupEntry& d) {
  Writer w;
  w.str(d.message_id);
  w.u64(d.seq);
  w.i64(d.expires_ms);
  return w.take();
}

bool decode_dedup(std::string_view in, DedupEntry& d) {
  Reader r(in);
  d.message_id = r.str();
  d.seq = r.u64();
  d.expires_ms = r.i64();
  return r.ok();
}

std::string encode_handle(const Handle& h) {
  Writer w;
  for (uint8_t c : kHandleMagic) w.u8(c);
  w.u64(h.queue_id);
  w.u64(h.seq);
  w.u64(h.nonce);
  return base64_encode(w.take());
}

std::optional<Handle> decode_handle(std::string_view s) {
  auto raw = base64_decode(s);
  if (!raw || raw->size() != 27) return std::nullopt;
  Reader r(*raw);
  for (uint8_t c : kHandleMagic) {
    if (r.u8() != c) return std::nullopt;
  }
  Handle h;
  h.queue_id = r.u64();
  h.seq = r.u64();
  h.nonce = r.u64();
  if (!r.ok()) return std::nullopt;
  return h;
}

}  // namespace nimbus::services::sqs::codec
