// Time zones from the system's tzdata: TZif files (RFC 8536) and the POSIX
// TZ rule in their footer. gcc 12's libstdc++ has no std::chrono::tzdb, and
// libc's localtime_r reads only the process-wide TZ, so the files are read
// here.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "common/mutex.h"
#include "events/schedule.h"

namespace nimbus::events {

struct TimeZone::Rule {
  struct Date {
    char kind = 'M';  // 'J' (1..365, no Feb 29), 'N' (0..365), 'M' (month.week.day)
    int a = 0, b = 0, c = 0;
  };
  int32_t std_off = 0;  // seconds east of UTC
  int32_t dst_off = 0;
  bool has_dst = false;
  Date start, end;
  int32_t start_time = 7200, end_time = 7200;
};

struct TimeZone::Data {
  std::vector<int64_t> times;    // transitions, ascending
  std::vector<int32_t> offsets;  // offset from times[i] on
  int32_t initial = 0;           // before the first transition
  std::optional<Rule> rule;      // after the last one
};

namespace {

using namespace std::chrono;

Error bad(std::string what) {
  return Error{"InvalidTimeZone", std::move(what)};
}

struct Reader {
  std::string_view s;
  bool ok = true;
  uint64_t be(size_t n) {
    if (s.size() < n) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
    s.remove_prefix(n);
    return v;
  }
  void skip(uint64_t n) {
    if (s.size() < n) ok = false;
    s.remove_prefix(std::min<uint64_t>(n, s.size()));
  }
};

// POSIX TZ string parsing ("EST5EDT,M3.2.0,M11.1.0", "<+0330>-3:30").
struct PosixParser {
  std::string_view s;
  bool name() {
    if (!s.empty() && s.front() == '<') {
      auto close = s.find('>');
      if (close == std::string_view::npos || close < 4) return false;
      s.remove_prefix(close + 1);
      return true;
    }
    size_t n = 0;
    while (n < s.size() && ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z'))) ++n;
    s.remove_prefix(n);
    return n >= 3;
  }
  bool number(int lo, int hi, int& out) {
    size_t n = 0;
    out = 0;
    while (n < s.size() && n < 3 && s[n] >= '0' && s[n] <= '9') out = out * 10 + (s[n++] - '0');
    s.remove_prefix(n);
    return n > 0 && out >= lo && out <= hi;
  }
  // [+-]hh[:mm[:ss]], hours up to `max_hours`.
  bool time(int max_hours, int32_t& out) {
    int sign = 1;
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
      sign = s.front() == '-' ? -1 : 1;
      s.remove_prefix(1);
    }
    int h = 0, m = 0, sec = 0;
    if (!number(0, max_hours, h)) return false;
    if (!s.empty() && s.front() == ':') {
      s.remove_prefix(1);
      if (!number(0, 59, m)) return false;
      if (!s.empty() && s.front() == ':') {
        s.remove_prefix(1);
        if (!number(0, 59, sec)) return false;
      }
    }
    out = sign * (h * 3600 + m * 60 + sec);
    return true;
  }
  bool date(TimeZone::Rule::Date& d, int32_t& at) {
    if (s.empty() || s.front() != ',') return false;
    s.remove_prefix(1);
    if (!s.empty() && s.front() == 'J') {
      s.remove_prefix(1);
      d.kind = 'J';
      if (!number(1, 365, d.a)) return false;
    } else if (!s.empty() && s.front() == 'M') {
      s.remove_prefix(1);
      d.kind = 'M';
      if (!number(1, 12, d.a) || s.empty() || s.front() != '.') return false;
      s.remove_prefix(1);
      if (!number(1, 5, d.b) || s.empty() || s.front() != '.') return false;
      s.remove_prefix(1);
      if (!number(0, 6, d.c)) return false;
    } else {
      d.kind = 'N';
      if (!number(0, 365, d.a)) return false;
    }
    if (!s.empty() && s.front() == '/') {
      s.remove_prefix(1);
      return time(167, at);
    }
    return true;
  }
};

std::optional<TimeZone::Rule> parse_posix(std::string_view text) {
  PosixParser p{text};
  TimeZone::Rule r;
  int32_t west = 0;
  if (!p.name() || !p.time(24, west)) return std::nullopt;
  r.std_off = -west;
  if (p.s.empty()) return r;
  if (!p.name()) return std::nullopt;
  r.has_dst = true;
  r.dst_off = r.std_off + 3600;
  if (!p.s.empty() && p.s.front() != ',') {
    if (!p.time(24, west)) return std::nullopt;
    r.dst_off = -west;
  }
  if (p.s.empty()) {  // POSIX's default: the US rules
    r.start = {'M', 3, 2, 0};
    r.end = {'M', 11, 1, 0};
    return r;
  }
  if (!p.date(r.start, r.start_time) || !p.date(r.end, r.end_time) || !p.s.empty()) {
    return std::nullopt;
  }
  return r;
}

// Local midnight (seconds) of a rule date in year y.
int64_t rule_day(const TimeZone::Rule::Date& d, int y) {
  year yr{y};
  sys_days jan1{yr / January / 1};
  int doy = 0;
  if (d.kind == 'J') {
    doy = d.a - 1 + (yr.is_leap() && d.a >= 60 ? 1 : 0);
  } else if (d.kind == 'N') {
    doy = d.a;
  } else {
    sys_days first{yr / month(static_cast<unsigned>(d.a)) / 1};
    int wd_first = static_cast<int>(weekday(first).c_encoding());
    int dom = 1 + (d.c - wd_first + 7) % 7 + (d.b - 1) * 7;
    int last = static_cast<int>(static_cast<unsigned>(
        year_month_day_last(yr, month_day_last(month(static_cast<unsigned>(d.a)))).day()));
    while (dom > last) dom -= 7;
    return (first.time_since_epoch().count() + dom - 1) * 86400;
  }
  return (jan1.time_since_epoch().count() + doy) * 86400;
}

int32_t rule_offset(const TimeZone::Rule& r, int64_t utc) {
  if (!r.has_dst) return r.std_off;
  int64_t local_days = (utc + r.std_off) / 86400 - ((utc + r.std_off) % 86400 < 0 ? 1 : 0);
  int y = static_cast<int>(year_month_day(sys_days(days(local_days))).year());
  int64_t start = rule_day(r.start, y) + r.start_time - r.std_off;
  int64_t end = rule_day(r.end, y) + r.end_time - r.dst_off;
  bool dst = start < end ? (utc >= start && utc < end) : !(utc >= end && utc < start);
  return dst ? r.dst_off : r.std_off;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.front() == '.') return false;
  if (name.find("..") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '_' || c == '-' || c == '+';
  });
}

}  // namespace

TimeZone TimeZone::utc() {
  static const auto data = std::make_shared<const Data>();
  return TimeZone(data);
}

Result<TimeZone> TimeZone::parse_tzif(std::string_view bytes) {
  Reader r{bytes};
  auto header = [&r](int& version, uint64_t(&counts)[6]) {
    if (r.s.substr(0, 4) != "TZif") return false;
    r.skip(4);
    version = static_cast<int>(r.be(1));
    r.skip(15);
    for (auto& c : counts) c = r.be(4);
    return r.ok && counts[3] <= 100000 && counts[4] >= 1 && counts[4] <= 256 &&
           counts[5] <= 100000 && counts[2] <= 10000;
  };
  int version = 0;
  uint64_t n[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  if (!header(version, n)) return bad("not a TZif file");
  size_t width = 4;
  if (version >= '2') {  // skip the 32-bit block, read the 64-bit one
    r.skip(n[3] * 5 + n[4] * 6 + n[5] + n[2] * 8 + n[1] + n[0]);
    if (!r.ok || !header(version, n)) return bad("truncated TZif file");
    width = 8;
  }
  auto d = std::make_shared<Data>();
  d->times.resize(n[3]);
  for (auto& t : d->times) {
    uint64_t v = r.be(width);
    t = width == 8 ? static_cast<int64_t>(v) : static_cast<int32_t>(static_cast<uint32_t>(v));
  }
  std::vector<uint8_t> idx(n[3]);
  for (auto& i : idx) i = static_cast<uint8_t>(r.be(1));
  std::vector<int32_t> types(n[4]);
  for (auto& t : types) {
    t = static_cast<int32_t>(static_cast<uint32_t>(r.be(4)));
    r.skip(2);
    if (t < -89999 || t > 93599) return bad("bad UT offset");
  }
  r.skip(n[5] + n[2] * (width + 4) + n[1] + n[0]);
  if (!r.ok) return bad("truncated TZif file");
  for (size_t i = 0; i < idx.size(); ++i) {
    if (idx[i] >= types.size()) return bad("bad time type index");
    if (i > 0 && d->times[i] <= d->times[i - 1]) return bad("transitions out of order");
    d->offsets.push_back(types[idx[i]]);
  }
  d->initial = types[0];
  if (width == 8 && r.s.size() >= 2 && r.s.front() == '\n') {
    std::string_view footer = r.s.substr(1);
    footer = footer.substr(0, footer.find('\n'));
    if (!footer.empty()) {
      d->rule = parse_posix(footer);
      if (!d->rule) return bad("bad TZ string in the footer");
    }
  }
  return TimeZone(std::move(d));
}

std::optional<TimeZone> TimeZone::named(std::string_view name) {
  if (name == "UTC" || name == "Etc/UTC") return utc();
  if (!valid_name(name)) return std::nullopt;
  static Mutex mu;
  static std::map<std::string, std::optional<TimeZone>, std::less<>> cache;
  MutexLock lock(mu);
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  const char* dir = std::getenv("TZDIR");
  std::ifstream in(
      std::string(dir != nullptr ? dir : "/usr/share/zoneinfo") + "/" + std::string(name),
      std::ios::binary);
  std::optional<TimeZone> zone;
  if (in) {
    std::ostringstream bytes;
    bytes << in.rdbuf();
    auto parsed = parse_tzif(bytes.str());
    if (parsed) zone = std::move(*parsed);
  }
  if (cache.size() < 4096) cache.emplace(std::string(name), zone);
  return zone;
}

int64_t TimeZone::offset_at(int64_t utc) const {
  const Data& d = *d_;
  if (d.rule && (d.times.empty() || utc >= d.times.back())) return rule_offset(*d.rule, utc);
  auto it = std::upper_bound(d.times.begin(), d.times.end(), utc);
  if (it == d.times.begin()) return d.initial;
  return d.offsets[static_cast<size_t>(it - d.times.begin() - 1)];
}

std::optional<int64_t> TimeZone::earliest(int64_t local) const {
  std::optional<int64_t> best;
  for (int64_t probe : {local - 86400, local, local + 86400}) {
    int64_t u = local - offset_at(probe);
    if (u + offset_at(u) == local && (!best || u < *best)) best = u;
  }
  return best;
}

}  // namespace nimbus::events
