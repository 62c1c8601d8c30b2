#define PCRE2_CODE_UNIT_WIDTH 8
#include "common/jsonata/regex.h"

#include <pcre2.h>

namespace nimbus::jsonata {

namespace {
// PCRE2 counts backtracking points against the match limit. Ordinary
// patterns on strings of a workflow's size stay under the light limit; the
// heavy one ends a catastrophic pattern after tens of milliseconds instead
// of minutes.
constexpr uint32_t kLightLimit = 20'000;
constexpr uint32_t kHeavyLimit = 1'000'000;
constexpr uint32_t kDepthLimit = 10'000;

pcre2_match_context* limited(uint32_t match_limit) {
  pcre2_match_context* c = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(c, match_limit);
  pcre2_set_depth_limit(c, kDepthLimit);
  return c;
}
}  // namespace

struct Regex::Impl {
  pcre2_code* code = nullptr;
  pcre2_match_context* light = limited(kLightLimit);
  pcre2_match_context* heavy = limited(kHeavyLimit);
  ~Impl() {
    pcre2_match_context_free(heavy);
    pcre2_match_context_free(light);
    pcre2_code_free(code);
  }
};

Regex::~Regex() = default;

std::variant<std::shared_ptr<const Regex>, std::string> Regex::compile(std::string_view pattern,
                                                                       std::string_view flags) {
  // UTF without UCP: \d, \w and \s stay ASCII as in JavaScript; invalid
  // UTF-8 in a subject (from $base64decode, say) is matched, not refused.
  uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX;
  if (flags.find('i') != std::string_view::npos) options |= PCRE2_CASELESS;
  if (flags.find('m') != std::string_view::npos) options |= PCRE2_MULTILINE;
  pcre2_compile_context* cc = pcre2_compile_context_create(nullptr);
  pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_ALT_BSUX);
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 options, &code, &offset, cc);
  pcre2_compile_context_free(cc);
  if (re == nullptr) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(code, buf, sizeof buf);
    return std::string(reinterpret_cast<const char*>(buf));
  }
  std::shared_ptr<Regex> out(new Regex);
  out->impl_ = std::make_unique<Impl>();
  out->impl_->code = re;
  out->source_ = std::string(pattern);
  return std::shared_ptr<const Regex>(std::move(out));
}

std::optional<Regex::Match> Regex::find(std::string_view subject, size_t from, Cost& cost) const {
  cost = Cost::kLight;
  if (from > subject.size()) return std::nullopt;
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(impl_->code, nullptr);
  auto run = [&](pcre2_match_context* limits) {
    return pcre2_match(impl_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(),
                       from, 0, md, limits);
  };
  int rc = run(impl_->light);
  if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT) {
    cost = Cost::kHeavy;
    rc = run(impl_->heavy);
  }
  std::optional<Match> out;
  if (rc > 0) {
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    uint32_t pairs = pcre2_get_ovector_count(md);
    uint32_t groups = 0;
    pcre2_pattern_info(impl_->code, PCRE2_INFO_CAPTURECOUNT, &groups);
    out.emplace();
    out->begin = ov[0];
    out->end = ov[1];
    for (uint32_t g = 1; g <= groups; ++g) {
      if (g < pairs && static_cast<int>(g) < rc && ov[2 * g] != PCRE2_UNSET) {
        out->groups.emplace_back(std::string(subject.substr(ov[2 * g], ov[2 * g + 1] - ov[2 * g])));
      } else {
        out->groups.emplace_back(std::nullopt);
      }
    }
  } else if (rc != PCRE2_ERROR_NOMATCH) {
    cost = Cost::kTooMuch;
  }
  pcre2_match_data_free(md);
  return out;
}

}  // namespace nimbus::jsonata
