// CBOR (RFC 8949) for the awsJson protocol's CBOR form
// (`application/x-amz-cbor-1.1`, which the Java SDKs, the KPL and the KCL
// send to Kinesis): the same documents as awsJson, with blobs as byte strings
// and timestamps as tag 1 over epoch *milliseconds* (the AWS Java SDKs' form,
// not RFC 8949's seconds).
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

// Appends CBOR items to a byte string. Maps and arrays are written with
// definite lengths: the caller gives the count first.
class Writer {
 public:
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
  // Epoch seconds as tag 1 over whole milliseconds.
  void timestamp(double epoch_seconds);
  // A JSON value as is: objects as maps with text keys, strings as text.
  void json(const boost::json::value& v);

  const std::string& bytes_written() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void head(unsigned major, uint64_t v);
  std::string out_;
};

inline constexpr int kMaxDepth = 64;

// The JSON document a CBOR body stands for (see above). Fails with a
// message when the bytes are not one well-formed item (trailing bytes,
// truncation, reserved encodings, a break outside an indefinite item,
// non-text map keys, nesting deeper than kMaxDepth, tag 1 on a non-number).
Result<boost::json::value> decode(std::string_view bytes);

}  // namespace nimbus::protocol::cbor
