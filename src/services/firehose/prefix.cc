#include "services/firehose/prefix.h"

#include <cstdio>
#include <ctime>

#include "services/firehose/errors.h"

namespace nimbus::services::firehose {

namespace {

constexpr std::string_view kMonths[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
constexpr std::string_view kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                      "Thursday", "Friday", "Saturday"};

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The most times each supported letter may repeat (Java's limits).
int max_width(char letter) {
  switch (letter) {
    case 'y':
    case 'u':
    case 'S':
      return 9;
    case 'M':
    case 'E':
      return 5;
    case 'D':
      return 3;
    case 'd':
    case 'H':
    case 'h':
    case 'm':
    case 's':
      return 2;
    case 'a':
      return 1;
    default:
      return 0;
  }
}

std::string padded(int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(v));
  return buf;
}

std::tm utc(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

}  // namespace

Result<std::vector<Prefix::Piece>> Prefix::timestamp_pattern(std::string_view p) {
  std::vector<Piece> out;
  auto text = [&](std::string_view t) {
    if (out.empty() || out.back().kind != Piece::Kind::kText) out.push_back({});
    out.back().text.append(t);
  };
  for (size_t i = 0; i < p.size();) {
    char c = p[i];
    if (c == '\'') {
      size_t end = i + 1;
      std::string lit;
      bool closed = false;
      while (end < p.size()) {
        if (p[end] == '\'') {
          if (end + 1 < p.size() && p[end + 1] == '\'') {
            lit += '\'';
            end += 2;
            continue;
          }
          closed = true;
          break;
        }
        lit += p[end++];
      }
      if (!closed) return errors::invalid_prefix("the timestamp pattern has an unclosed quote");
      if (end == i + 1) lit = "'";  // '' is a quote
      text(lit);
      i = end + 1;
      continue;
    }
    if (c == '[' || c == ']' || c == '#' || c == '{' || c == '}') {
      return errors::invalid_prefix(
          std::string("the timestamp pattern has the reserved character '") + c + "'");
    }
    if (!is_letter(c)) {
      text(std::string_view(&p[i], 1));
      ++i;
      continue;
    }
    size_t n = 1;
    while (i + n < p.size() && p[i + n] == c) ++n;
    int limit = max_width(c);
    if (limit == 0) {
      return errors::invalid_prefix(std::string("the timestamp pattern letter '") + c +
                                    "' is not supported");
    }
    if (static_cast<int>(n) > limit) {
      return errors::invalid_prefix(std::string("too many pattern letters: ") + c);
    }
    Piece f;
    f.kind = Piece::Kind::kField;
    f.letter = c;
    f.width = static_cast<int>(n);
    out.push_back(std::move(f));
    i += n;
  }
  return out;
}

Result<Prefix> Prefix::parse(std::string_view text, bool error_output) {
  Prefix out;
  out.text_ = std::string(text);
  auto literal = [&](std::string_view t) {
    if (t.empty()) return;
    if (out.pieces_.empty() || out.pieces_.back().kind != Piece::Kind::kText) {
      out.pieces_.push_back({});
    }
    out.pieces_.back().text.append(t);
  };
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find("!{", i);
    if (open == std::string_view::npos) {
      literal(text.substr(i));
      break;
    }
    literal(text.substr(i, open - i));
    size_t close = text.find('}', open + 2);
    if (close == std::string_view::npos)
      return errors::invalid_prefix("an expression is not closed");
    std::string_view expr = text.substr(open + 2, close - open - 2);
    if (expr.find("!{") != std::string_view::npos) {
      return errors::invalid_prefix("expressions cannot be nested");
    }
    size_t colon = expr.find(':');
    if (colon == std::string_view::npos || colon + 1 == expr.size()) {
      return errors::invalid_prefix("an expression must be !{namespace:value}");
    }
    std::string_view ns = expr.substr(0, colon);
    std::string_view value = expr.substr(colon + 1);
    ++out.expressions_;
    if (ns == "timestamp") {
      auto fields = timestamp_pattern(value);
      if (!fields) return fields.take_error();
      for (auto& f : *fields) {
        if (f.kind == Piece::Kind::kText) {
          literal(f.text);
        } else {
          out.pieces_.push_back(std::move(f));
        }
      }
      ++out.timestamps_;
    } else if (ns == "firehose" && value == "random-string") {
      out.pieces_.push_back({Piece::Kind::kRandom, 0, 0, {}});
    } else if (ns == "firehose" && value == "error-output-type") {
      if (!error_output) {
        return errors::invalid_prefix(
            "!{firehose:error-output-type} can be used in ErrorOutputPrefix only");
      }
      out.pieces_.push_back({Piece::Kind::kErrorType, 0, 0, {}});
    } else if (ns == "firehose") {
      return errors::invalid_prefix("unknown firehose expression '" + std::string(value) + "'");
    } else if (ns == "partitionKeyFromQuery" || ns == "partitionKeyFromLambda") {
      return errors::invalid_prefix("dynamic partitioning is not enabled");
    } else {
      return errors::invalid_prefix("unknown namespace '" + std::string(ns) + "'");
    }
    i = close + 1;
  }
  return out;
}

std::string Prefix::evaluate(int64_t ms, const std::function<std::string()>& random,
                             std::string_view error_type) const {
  std::tm tm = utc(ms);
  int64_t millis = ((ms % 1000) + 1000) % 1000;
  std::string out;
  for (const auto& p : pieces_) {
    switch (p.kind) {
      case Piece::Kind::kText:
        out += p.text;
        break;
      case Piece::Kind::kRandom:
        out += random();
        break;
      case Piece::Kind::kErrorType:
        out += error_type;
        break;
      case Piece::Kind::kField: {
        int w = p.width;
        switch (p.letter) {
          case 'y':
          case 'u':
            out += w == 2 ? padded((tm.tm_year + 1900) % 100, 2) : padded(tm.tm_year + 1900, w);
            break;
          case 'M':
            if (w <= 2)
              out += padded(tm.tm_mon + 1, w);
            else if (w == 3)
              out += kMonths[tm.tm_mon].substr(0, 3);
            else if (w == 4)
              out += kMonths[tm.tm_mon];
            else
              out += kMonths[tm.tm_mon].substr(0, 1);
            break;
          case 'E':
            if (w <= 3)
              out += kDays[tm.tm_wday].substr(0, 3);
            else if (w == 4)
              out += kDays[tm.tm_wday];
            else
              out += kDays[tm.tm_wday].substr(0, 1);
            break;
          case 'd':
            out += padded(tm.tm_mday, w);
            break;
          case 'D':
            out += padded(tm.tm_yday + 1, w);
            break;
          case 'H':
            out += padded(tm.tm_hour, w);
            break;
          case 'h':
            out += padded(tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12, w);
            break;
          case 'a':
            out += tm.tm_hour < 12 ? "AM" : "PM";
            break;
          case 'm':
            out += padded(tm.tm_min, w);
            break;
          case 's':
            out += padded(tm.tm_sec, w);
            break;
          case 'S': {
            std::string frac = padded(millis, 3) + "000000";
            out += frac.substr(0, static_cast<size_t>(w));
            break;
          }
          default:
            break;
        }
        break;
      }
    }
  }
  return out;
}

std::string default_layout(int64_t ms) {
  std::tm tm = utc(ms);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d/%02d/%02d/%02d/", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour);
  return buf;
}

std::string suffix_time(int64_t ms) {
  std::tm tm = utc(ms);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d-%02d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace nimbus::services::firehose
