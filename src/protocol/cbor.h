// CBOR (RFC 8949) for two protocols: awsJson's CBOR form
// (`application/x-amz-cbor-1.1`, which the Java SDKs, the KPL and the KCL
// send to Kinesis), where tag 1 is over epoch *milliseconds* (the AWS Java
// SDKs' form), and Smithy RPC v2 CBOR (`application/cbor`), where tag 1 is
// over epoch *seconds* as RFC 8949 says. Both carry the documents awsJson
// would, with blobs as byte strings.
//
// Decoding turns a body into the document awsJson would have carried (byte
// strings -> base64 text, tag 1 -> epoch seconds), so the JSON input path
// (json_to_value, validation) reads both. It is bounded: nesting depth, item
// counts that cannot exceed the bytes left, no allocation before a length is
// known to fit, invalid UTF-8 in text refused; any byte string fails cleanly
// rather than crashing (fuzzed: fuzz/cbor_fuzz.cc).
// Pure functions and a plain writer; safe from any thread.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nimbus::protocol::cbor {

// The unit of tag 1 (epoch time): awsJson's CBOR form counts milliseconds,
// RPC v2 CBOR seconds.
enum class Epoch { kMilliseconds, kSeconds };

// Appends CBOR items to a byte string. Maps and arrays are written with
// definite lengths: the caller gives the count first.
class Writer {
 public:
  explicit Writer(Epoch epoch = Epoch::kMilliseconds) : epoch_(epoch) {}
  void uint(uint64_t v) { head(0, v); }
  void integer(int64_t v);
  void bytes(std::string_view b);
  void text(std::string_view s);
  void array(uint64_t count) { head(4, count); }
  void map(uint64_t count) { head(5, count); }
  void tag(uint64_t t) { head(6, t); }
  void boolean(bool b) { out_.push_back(static_cast<char>(b ? 0xf5 : 0xf4)); }
  void null() { out_.push_back(static_cast<char>(0xf6)); }
  void float64(double d);
  // Epoch seconds as tag 1: over whole milliseconds (kMilliseconds), or over
  // the seconds, an integer when whole and a float64 otherwise (kSeconds).
  void timestamp(double epoch_seconds);
  // A JSON value as is: objects as maps with text keys, strings as text.
  void json(const boost::json::value& v);

  const std::string& bytes_written() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void head(unsigned major, uint64_t v);
  Epoch epoch_;
  std::string out_;
};

inline constexpr int kMaxDepth = 64;

// The JSON document a CBOR body stands for (see above). Fails with a
// message when the bytes are not one well-formed item (trailing bytes,
// truncation, reserved encodings, a break outside an indefinite item,
// non-text map keys, nesting deeper than kMaxDepth, tag 1 on a non-number).
// Tag 1 is read in `epoch`'s unit and given as epoch seconds. Floats of any
// width (half, single, double) become doubles; NaN and the infinities stay
// doubles (the caller decides what a non-finite number means).
Result<boost::json::value> decode(std::string_view bytes, Epoch epoch = Epoch::kMilliseconds);

}  // namespace nimbus::protocol::cbor
