#include "auth/canonical.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

#include "auth/crypto.h"

namespace nimbus::auth::detail {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<Clock::time_point> make_time(int y, int mo, int d, int h, int mi, int s) {
  if (y < 1970 || y > 2200 ||  // the nanosecond clock ends in 2262
      mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
    return std::nullopt;
  int64_t secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                 h * 3600 + mi * 60 + s;
  return Clock::time_point(
      std::chrono::duration_cast<Clock::time_point::duration>(std::chrono::seconds(secs)));
}

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string normalize_path(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    start = end + 1;
  }
  std::string out = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i) out.push_back('/');
    out.append(segments[i]);
  }
  if (!segments.empty() && path.back() == '/') out.push_back('/');
  return out;
}

std::string canonical_uri(std::string_view raw_path, bool s3) {
  // The JSON and query protocols post to "/": nothing to normalize or encode.
  if (raw_path.empty() || raw_path == "/") return "/";
  if (s3) return percent_encode(percent_decode(raw_path), true);
  return percent_encode(normalize_path(raw_path), true);
}

std::string canonical_query(std::string_view raw_query, bool drop_signature, bool plus_as_space) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start < raw_query.size()) {
    size_t end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    std::string_view part = raw_query.substr(start, end - start);
    start = end + 1;
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view key = part.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
    std::string k = percent_decode(key, plus_as_space);
    if (drop_signature && k == "X-Amz-Signature") continue;
    params.emplace_back(percent_encode(k, false),
                        percent_encode(percent_decode(value, plus_as_space), false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(k);
    out.push_back('=');
    out.append(v);
  }
  return out;
}

std::vector<std::string_view> split_signed_headers(std::string_view signed_headers) {
  std::vector<std::string_view> names;
  names.reserve(std::count(signed_headers.begin(), signed_headers.end(), ';') + 1);
  size_t start = 0;
  while (start <= signed_headers.size()) {
    size_t end = signed_headers.find(';', start);
    if (end == std::string_view::npos) end = signed_headers.size();
    names.push_back(signed_headers.substr(start, end - start));
    start = end + 1;
  }
  return names;
}

std::string canonical_headers(const http::Headers& headers,
                              const std::vector<std::string_view>& signed_names) {
  std::string out;
  out.reserve(256);
  for (std::string_view name : signed_names) {
    out.append(name);
    out.push_back(':');
    bool first = true;
    for (const auto& [k, v] : headers) {
      // Most names differ in length: no call for those.
      if (k.size() != name.size() || !http::iequals(k, name)) continue;
      if (!first) out.push_back(',');
      first = false;
      std::string_view value = trim(v);
      // A value without whitespace inside (most) is copied whole;
      // otherwise each run of whitespace becomes one space.
      if (std::none_of(value.begin(), value.end(), is_space)) {
        out.append(value);
        continue;
      }
      bool in_space = false;
      for (char c : value) {
        if (is_space(c)) {
          in_space = true;
          continue;
        }
        if (in_space) out.push_back(' ');
        in_space = false;
        out.push_back(c);
      }
    }
    out.push_back('\n');
  }
  return out;
}

std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query, std::string_view canonical_headers,
                              std::string_view signed_headers, std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + canonical_uri.size() + canonical_query.size() +
              canonical_headers.size() + signed_headers.size() + payload_hash.size() + 8);
  out.append(method).append("\n");
  out.append(canonical_uri).append("\n");
  out.append(canonical_query).append("\n");
  out.append(canonical_headers).append("\n");
  out.append(signed_headers).append("\n");
  out.append(payload_hash);
  return out;
}

std::string scope_string(std::string_view date, std::string_view region, std::string_view service) {
  constexpr std::string_view kTerminator = "/aws4_request";
  std::string out;
  out.reserve(date.size() + region.size() + service.size() + 2 + kTerminator.size());
  out.append(date).append("/").append(region).append("/").append(service).append(kTerminator);
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  std::string hash = crypto::sha256_hex(canonical_request);
  std::string out;
  out.reserve(kAlgorithm.size() + amz_date.size() + scope.size() + hash.size() + 3);
  out.append(kAlgorithm).append("\n").append(amz_date).append("\n").append(scope).append("\n");
  out.append(hash);
  return out;
}

std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  // The key changes once a day per secret, region and service, so each
  // thread keeps the last few it derived: four HMACs saved per request.
  struct Derived {
    std::string secret, date, region, service, key;
  };
  constexpr size_t kKept = 8;
  thread_local std::array<Derived, kKept> kept;
  thread_local size_t next = 0;
  for (const Derived& d : kept) {
    if (!d.key.empty() && d.date == date && d.service == service && d.region == region &&
        d.secret == secret) {
      return d.key;
    }
  }
  std::string k = "AWS4";
  k.append(secret);
  k = crypto::hmac_sha256(k, date);
  k = crypto::hmac_sha256(k, region);
  k = crypto::hmac_sha256(k, service);
  k = crypto::hmac_sha256(k, "aws4_request");
  kept[next] =
      Derived{std::string(secret), std::string(date), std::string(region), std::string(service), k};
  next = (next + 1) % kKept;
  return k;
}

std::string signature(std::string_view key, std::string_view string_to_sign) {
  return crypto::hmac_sha256_hex(key, string_to_sign);
}

std::optional<Clock::time_point> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  int y, mo, d, h, mi, sec;
  if (!digits(s, 0, 4, y) || !digits(s, 4, 2, mo) || !digits(s, 6, 2, d) || !digits(s, 9, 2, h) ||
      !digits(s, 11, 2, mi) || !digits(s, 13, 2, sec))
    return std::nullopt;
  return make_time(y, mo, d, h, mi, sec);
}

std::string format_amz_date(Clock::time_point t) {
  int64_t secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  char buf[32];
  snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
           static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
           static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
           static_cast<int>(rem % 60));
  return buf;
}

std::optional<Clock::time_point> parse_http_date(std::string_view s) {
  // "Sun, 30 Aug 2015 12:36:00 GMT"
  s = trim(s);
  if (s.size() != 29 || s[3] != ',' || s.substr(26) != "GMT") return std::nullopt;
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  size_t m = kMonths.find(s.substr(8, 3));
  if (m == std::string_view::npos || m % 3 != 0) return std::nullopt;
  int d, y, h, mi, sec;
  if (!digits(s, 5, 2, d) || !digits(s, 12, 4, y) || !digits(s, 17, 2, h) ||
      !digits(s, 20, 2, mi) || !digits(s, 23, 2, sec) || s[19] != ':' || s[22] != ':')
    return std::nullopt;
  return make_time(y, static_cast<int>(m / 3) + 1, d, h, mi, sec);
}

}  // namespace nimbus::auth::detail
