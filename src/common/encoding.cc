#include "common/encoding.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace nimbus {

namespace {

constexpr auto kDecode = [] {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(a[i])] = static_cast<int8_t>(i);
  t['-'] = 62;  // URL-safe alphabet too
  t['_'] = 63;
  return t;
}();

int32_t sextet(char c) {
  return kDecode[static_cast<unsigned char>(c)];
}

// kDecode shifted into place for each of a group's four characters, with
// 0xff000000 for a character outside the alphabet: a group decodes with four
// loads and three ORs, and any bit above 23 marks one that does not.
using Shifted = std::array<uint32_t, 256>;
constexpr Shifted shifted(int shift) {
  Shifted t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = kDecode[c] < 0 ? 0xff000000u : static_cast<uint32_t>(kDecode[c]) << shift;
  }
  return t;
}
constexpr Shifted kAt0 = shifted(18);
constexpr Shifted kAt1 = shifted(12);
constexpr Shifted kAt2 = shifted(6);
constexpr Shifted kAt3 = shifted(0);

#if defined(__x86_64__)
// 32 characters of the standard alphabet into 24 bytes per step (AVX2),
// from `*i` while 32 remain; stops at the first block holding anything else
// (padding, a line break, '-' or '_', garbage), which the scalar loops then
// decode or refuse exactly as without this. Returns the bytes written.
//
// Each character c maps to its sextet by adding an offset chosen by its high
// nibble: 'A'-'Z' (0x41-0x5a) -65, 'a'-'z' (0x61-0x7a) -71, '0'-'9' +4;
// '+' (0x2b) and '/' (0x2f) share the nibble 2, so '/' looks one entry down.
// Signed compares: a byte >= 0x80 is negative and falls in no range.
__attribute__((target("avx2"))) inline __m256i in_range(__m256i c, char lo, char hi) {
  return _mm256_and_si256(_mm256_cmpgt_epi8(c, _mm256_set1_epi8(static_cast<char>(lo - 1))),
                          _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(hi + 1)), c));
}

__attribute__((target("avx2"))) size_t decode_blocks_avx2(const unsigned char* in, size_t n,
                                                          size_t* i, char* out) {
  const __m256i roll = _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                        16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  const __m256i slash = _mm256_set1_epi8('/');
  const __m256i plus = _mm256_set1_epi8('+');
  // Within each 128-bit lane, the three bytes of each 32-bit group (high
  // byte first), then the two lanes' twelve bytes side by side.
  const __m256i order = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, 2,
                                         1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
  size_t written = 0;
  for (; *i + 32 <= n; *i += 32) {
    __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + *i));
    __m256i is_slash = _mm256_cmpeq_epi8(c, slash);
    __m256i valid =
        _mm256_or_si256(_mm256_or_si256(in_range(c, 'A', 'Z'), in_range(c, 'a', 'z')),
                        _mm256_or_si256(in_range(c, '0', '9'),
                                        _mm256_or_si256(is_slash, _mm256_cmpeq_epi8(c, plus))));
    if (static_cast<uint32_t>(_mm256_movemask_epi8(valid)) != 0xffffffffu) break;
    __m256i hi = _mm256_and_si256(_mm256_srli_epi32(c, 4), nibble);
    __m256i sextets = _mm256_add_epi8(c, _mm256_shuffle_epi8(roll, _mm256_add_epi8(hi, is_slash)));
    // Pairs into 12 bits (first << 6 | second), pairs of those into 24.
    __m256i pairs = _mm256_maddubs_epi16(sextets, _mm256_set1_epi32(0x01400140));
    __m256i groups = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(groups, order), lanes);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + written), _mm256_castsi256_si128(bytes));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + written + 16),
                     _mm256_extracti128_si256(bytes, 1));
    written += 24;
  }
  return written;
}

// 24 bytes into 32 characters per step (AVX2) while 28 bytes are left to
// load (each lane loads 16 and uses 12); returns the bytes encoded, a
// multiple of 3, which the scalar loop continues from. Each lane's four
// 3-byte groups are spread into 32-bit words, their sextets moved into
// bytes with two multiplies (shifts per 16-bit half), and each sextet turned
// into its character by adding an offset chosen by its range: 0-25 'A',
// 26-51 'a' - 26, 52-61 '0' - 52, 62 '+' - 62, 63 '/' - 63.
__attribute__((target("avx2"))) size_t encode_blocks_avx2(const unsigned char* in, size_t n,
                                                          char* out) {
  const __m256i spread = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10, 1, 0,
                                          2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
  const __m256i offsets =
      _mm256_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                       '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0,
                       'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                       '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0);
  size_t i = 0;
  for (; i + 28 <= n; i += 24, out += 32) {
    __m256i v = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))),
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + 12)), 1);
    v = _mm256_shuffle_epi8(v, spread);
    __m256i hi = _mm256_mulhi_epu16(_mm256_and_si256(v, _mm256_set1_epi32(0x0fc0fc00)),
                                    _mm256_set1_epi32(0x04000040));
    __m256i lo = _mm256_mullo_epi16(_mm256_and_si256(v, _mm256_set1_epi32(0x003f03f0)),
                                    _mm256_set1_epi32(0x01000010));
    __m256i sextets = _mm256_or_si256(hi, lo);
    // 0 for 26-51, 1-12 for 52-63, 13 for 0-25: the offset's index.
    __m256i which = _mm256_subs_epu8(sextets, _mm256_set1_epi8(51));
    which = _mm256_or_si256(
        which,
        _mm256_and_si256(_mm256_cmpgt_epi8(_mm256_set1_epi8(26), sextets), _mm256_set1_epi8(13)));
    __m256i chars = _mm256_add_epi8(sextets, _mm256_shuffle_epi8(offsets, which));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), chars);
  }
  return i;
}

bool have_avx2() {
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return yes;
}
#endif

}  // namespace

void base64_encode_to(std::string_view bytes, char* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])); };
  size_t i = 0;
#if defined(__x86_64__)
  if (have_avx2()) {
    i = encode_blocks_avx2(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out);
    out += i / 3 * 4;
  }
#endif
  for (; i + 2 < bytes.size(); i += 3, out += 4) {
    uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out[0] = kAlphabet[(n >> 18) & 63];
    out[1] = kAlphabet[(n >> 12) & 63];
    out[2] = kAlphabet[(n >> 6) & 63];
    out[3] = kAlphabet[n & 63];
  }
  if (size_t rest = bytes.size() - i; rest > 0) {
    uint32_t n = byte(i) << 16;
    if (rest == 2) n |= byte(i + 1) << 8;
    out[0] = kAlphabet[(n >> 18) & 63];
    out[1] = kAlphabet[(n >> 12) & 63];
    out[2] = rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out[3] = '=';
  }
}

std::string base64_encode(std::string_view bytes) {
  std::string out(base64_encoded_size(bytes.size()), '\0');
  base64_encode_to(bytes, out.data());
  return out;
}

std::optional<size_t> base64_decode_to(std::string_view text, char* out) {
  const char* in = text.data();
  const size_t n = text.size();
  char* o = out;
  size_t i = 0;
  // Whole groups of four alphabet characters, three bytes each; the first
  // group holding anything else (padding, a line break, garbage) and all
  // after it go through the general loop below.
  const auto* u = reinterpret_cast<const unsigned char*>(in);
#if defined(__x86_64__)
  if (have_avx2()) o += decode_blocks_avx2(u, n, &i, o);
#endif
  // Two groups at a time while a third follows: their six bytes go out in
  // one 8-byte store (the third group's room, which it then overwrites).
  for (; i + 12 <= n; i += 8) {
    uint32_t a = kAt0[u[i]] | kAt1[u[i + 1]] | kAt2[u[i + 2]] | kAt3[u[i + 3]];
    uint32_t b = kAt0[u[i + 4]] | kAt1[u[i + 5]] | kAt2[u[i + 6]] | kAt3[u[i + 7]];
    if ((a | b) > 0xffffffu) break;  // a character outside the alphabet
    uint64_t six = static_cast<uint64_t>(a) << 40 | static_cast<uint64_t>(b) << 16;
    if constexpr (std::endian::native == std::endian::little) six = __builtin_bswap64(six);
    std::memcpy(o, &six, sizeof six);
    o += 6;
  }
  for (; i + 4 <= n; i += 4) {
    uint32_t v = kAt0[u[i]] | kAt1[u[i + 1]] | kAt2[u[i + 2]] | kAt3[u[i + 3]];
    if (v > 0xffffffu) break;  // a character outside the alphabet
    o[0] = static_cast<char>(v >> 16);
    o[1] = static_cast<char>(v >> 8);
    o[2] = static_cast<char>(v);
    o += 3;
  }
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (; i < n; ++i) {
    char c = in[i];
    if (c == '=') {
      ++pad;
      continue;
    }
    if (c == '\n' || c == '\r' || c == ' ') continue;
    if (pad > 0) return std::nullopt;  // data after padding
    int32_t v = sextet(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (pad > 2 || bits >= 6) return std::nullopt;
  return static_cast<size_t>(o - out);
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out(base64_decoded_max(text.size()), '\0');
  auto n = base64_decode_to(text, out.data());
  if (!n) return std::nullopt;
  out.resize(*n);
  return out;
}

std::string percent_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  auto plain = [keep_slash](unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
  };
  std::string out;
  out.reserve(text.size() + text.size() / 2);
  for (unsigned char c : text) {
    if (plain(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string percent_decode(std::string_view text, bool plus_as_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int h = hex(text[i + 1]), l = hex(text[i + 2]);
      if (h >= 0 && l >= 0) {
        out.push_back(static_cast<char>(h * 16 + l));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

}  // namespace nimbus
