// libFuzzer target for what a Firehose transformation function answers
// (processing.h's read_answer): any bytes as the answer to three records.
// Every record must end up in exactly one place: delivered (its data in the
// body), dropped, or failed (one error-output line each, valid JSON naming
// the record's raw data).
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/encoding.h"
#include "services/firehose/processing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nimbus::services::firehose;
  std::string payload(reinterpret_cast<const char*>(data), size);
  std::vector<nimbus::storage::LogRecord> records{{1, 10, "a"}, {2, 11, "b"}, {3, 12, "c"}};
  Processed out;
  read_answer(payload, records, "arn:aws:lambda:us-east-1:0:function:f", 1, 99, out);
  size_t lines = 0;
  size_t start = 0;
  for (size_t nl; (nl = out.failed.find('\n', start)) != std::string::npos; start = nl + 1) {
    boost::system::error_code ec;
    auto v = boost::json::parse(out.failed.substr(start, nl - start), ec);
    if (ec || !v.is_object() || !v.as_object().contains("rawData")) std::abort();
    ++lines;
  }
  if (start != out.failed.size() || lines > records.size()) std::abort();
  return 0;
}
