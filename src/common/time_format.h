// Timestamps as AWS writes them in payloads and logs: UTC to the millisecond,
// 2024-01-02T03:04:05.678 followed by the zone suffix the caller's format
// uses ("Z" in destination records and `nimbus logs`, "+0000" in Lambda's
// LastModified). One copy instead of one per service.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

namespace nimbus {

inline std::string utc_millis(int64_t epoch_ms, const char* zone = "Z") {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(epoch_ms % 1000), zone);
  return buf;
}

// HTTP's date (RFC 9110 IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT", as
// Last-Modified, Expires and Date carry it.
inline std::string http_date(int64_t epoch_ms) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

}  // namespace nimbus
