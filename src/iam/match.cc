#include "iam/match.h"

namespace nimbus::iam {

namespace {

// ASCII case folding: policy strings compare as IAM does, without the
// locale (std::tolower) per character.
inline char fold(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = fold(c);
  return out;
}

bool same(char a, char b, bool ignore_case) {
  if (!ignore_case) return a == b;
  return fold(a) == fold(b);
}

bool equal(std::string_view a, std::string_view b, bool ignore_case) {
  if (a.size() != b.size()) return false;
  if (!ignore_case) return a == b;
  for (size_t i = 0; i < a.size(); ++i) {
    if (fold(a[i]) != fold(b[i])) return false;
  }
  return true;
}

}  // namespace

void RequestContext::set(std::string_view key, std::string value) {
  keys[lower(key)] = {std::move(value)};
}

void RequestContext::add(std::string_view key, std::string value) {
  keys[lower(key)].push_back(std::move(value));
}

const std::vector<std::string>* RequestContext::find(std::string_view key) const {
  // Lower-cased on the stack: a lookup allocates nothing.
  char buffer[128];
  std::string heap;
  std::string_view k;
  if (key.size() <= sizeof(buffer)) {
    for (size_t i = 0; i < key.size(); ++i) buffer[i] = fold(key[i]);
    k = std::string_view(buffer, key.size());
  } else {
    heap = lower(key);
    k = heap;
  }
  for (const RequestContext* c = this; c != nullptr; c = c->base) {
    if (c->keys.empty()) continue;
    if (auto it = c->keys.find(k); it != c->keys.end()) return &it->second;
  }
  return nullptr;
}

bool pattern_match(PatternKind kind, std::string_view p, std::string_view t, bool ignore_case) {
  switch (kind) {
    case PatternKind::kAny:
      return true;
    case PatternKind::kLiteral:
      return equal(p, t, ignore_case);
    case PatternKind::kPrefix:
      return t.size() >= p.size() - 1 &&
             equal(p.substr(0, p.size() - 1), t.substr(0, p.size() - 1), ignore_case);
    default:
      return wildcard_match(p, t, ignore_case);
  }
}

bool arn_pattern_match(PatternKind kind, std::string_view pattern, std::string_view arn) {
  // Without wildcards, matching component by component is equality of the
  // whole; with one trailing '*', a prefix of the whole (each component
  // before it equal, the one holding it a prefix).
  switch (kind) {
    case PatternKind::kAny:
    case PatternKind::kLiteral:
    case PatternKind::kPrefix:
      return pattern_match(kind, pattern, arn, false);
    default:
      return arn_match(pattern, arn);
  }
}

// Iterative glob with one backtrack point: linear in practice, never
// exponential on adversarial patterns.
bool wildcard_match(std::string_view p, std::string_view t, bool ignore_case) {
  if (size_t wild = p.find_first_of("*?"); wild == std::string_view::npos) {
    return equal(p, t, ignore_case);
  } else if (wild == p.size() - 1 && p[wild] == '*') {
    return pattern_match(PatternKind::kPrefix, p, t, ignore_case);
  }
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || (p[pi] != '*' && same(p[pi], t[ti], ignore_case)))) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::optional<std::string> substitute(std::string_view p, const RequestContext& request) {
  if (p.find("${") == std::string_view::npos) return std::string(p);
  std::string out;
  size_t i = 0;
  while (i < p.size()) {
    if (p[i] != '$' || i + 1 >= p.size() || p[i + 1] != '{') {
      out += p[i++];
      continue;
    }
    size_t close = p.find('}', i + 2);
    if (close == std::string_view::npos) {
      out.append(p.substr(i));
      break;
    }
    std::string_view var = p.substr(i + 2, close - i - 2);
    i = close + 1;
    if (var == "*" || var == "?" || var == "$") {
      out += var;
      continue;
    }
    std::optional<std::string> fallback;
    if (size_t comma = var.find(','); comma != std::string_view::npos) {
      std::string_view def = var.substr(comma + 1);
      while (!def.empty() && def.front() == ' ') def.remove_prefix(1);
      while (!def.empty() && def.back() == ' ') def.remove_suffix(1);
      if (def.size() >= 2 && def.front() == '\'' && def.back() == '\'') {
        fallback = std::string(def.substr(1, def.size() - 2));
      }
      var = var.substr(0, comma);
      while (!var.empty() && var.back() == ' ') var.remove_suffix(1);
    }
    const auto* values = request.find(var);
    if (values && values->size() == 1) {
      out += values->front();
    } else if (fallback) {
      out += *fallback;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

bool arn_match(std::string_view pattern, std::string_view arn) {
  if (pattern == "*") return true;
  if (pattern.find_first_of("*?") == std::string_view::npos) return pattern == arn;
  // arn:partition:service:region:account:resource
  for (int part = 0; part < 5; ++part) {
    size_t pc = pattern.find(':'), ac = arn.find(':');
    if (pc == std::string_view::npos || ac == std::string_view::npos) {
      return wildcard_match(pattern, arn);
    }
    if (!wildcard_match(pattern.substr(0, pc), arn.substr(0, ac))) return false;
    pattern.remove_prefix(pc + 1);
    arn.remove_prefix(ac + 1);
  }
  return wildcard_match(pattern, arn);
}

std::string_view arn_account(std::string_view arn) {
  if (!arn.starts_with("arn:")) return {};
  size_t at = 0;
  for (int field = 0; field < 4; ++field) {
    at = arn.find(':', at);
    if (at == std::string_view::npos) return {};
    ++at;
  }
  size_t end = arn.find(':', at);
  return end == std::string_view::npos ? std::string_view{} : arn.substr(at, end - at);
}

}  // namespace nimbus::iam
