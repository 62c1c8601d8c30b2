#include <algorithm>

#include "events/target.h"

namespace nimbus::events {

std::optional<Arn> Arn::parse(std::string_view text) {
  // arn:partition:service:region:account:resource
  std::string_view parts[5];
  for (auto& part : parts) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    part = text.substr(0, colon);
    text.remove_prefix(colon + 1);
  }
  if (parts[0] != "arn" || parts[1].empty() || parts[2].empty() || text.empty()) {
    return std::nullopt;
  }
  return Arn{std::string(parts[1]), std::string(parts[2]), std::string(parts[3]),
             std::string(parts[4]), std::string(text)};
}

std::string target_kind(std::string_view arn) {
  if (arn.starts_with("https://")) return "https";
  if (arn.starts_with("http://")) return "http";
  auto a = Arn::parse(arn);
  return a ? a->service : std::string();
}

namespace {

Error unknown(const std::string& arn, const std::string& kind) {
  if (kind.empty()) return Error::make("InvalidArn", "Not an ARN or endpoint URL: " + arn);
  return Error::make("UnsupportedTarget",
                     "Nothing in this server delivers to " + kind + ": " + arn);
}

}  // namespace

Status Targets::check(const std::string& arn) const {
  std::string kind = target_kind(arn);
  Status result = unknown(arn, kind);
  targets_.with(kind, [&](Target& t) { result = t.check(arn); });
  return result;
}

void Targets::deliver(const std::string& arn, Delivery d, DeliverDone done) const {
  std::string kind = target_kind(arn);
  bool found =
      targets_.with(kind, [&](Target& t) { t.deliver(arn, std::move(d), std::move(done)); });
  if (!found) done(Outcome::failed(Failure::kNotFound, unknown(arn, kind)));
}

int64_t RetryPolicy::retry_delay_ms(int64_t retry) const {
  if (retry_delays_ms.empty()) return 0;
  auto i = std::clamp<int64_t>(retry, 0, static_cast<int64_t>(retry_delays_ms.size()) - 1);
  return retry_delays_ms[static_cast<size_t>(i)];
}

int64_t RetryPolicy::backoff_ms(int64_t n) const {
  int64_t delay = backoff_initial_ms;
  for (int64_t i = 1; i < n && delay < backoff_max_ms; ++i) delay *= 2;
  return std::min(delay, backoff_max_ms);
}

}  // namespace nimbus::events
