// libFuzzer target for schedule expressions (src/events/schedule*.cc).
// Input: an expression (rate, cron or at). One that parses is evaluated a few
// times in UTC and in a zone with DST, from fixed instants and from one the
// input picks. Must never crash, hang, or loop without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "events/schedule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nimbus::events::Schedule;
  using nimbus::events::TimeZone;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto schedule = Schedule::parse(input, true);
  if (!schedule) return 0;
  static const auto new_york = TimeZone::named("America/New_York");
  int64_t seed = 0;
  for (size_t i = 0; i < size && i < 8; ++i) seed = (seed << 8) | data[i];
  int64_t starts[] = {0, 1764806400, 2215061999, seed % 7000000000};
  for (int64_t start : starts) {
    int64_t t = start;
    for (int i = 0; i < 3; ++i) {
      auto next = schedule->next_after(t, start, TimeZone::utc());
      if (!next) break;
      if (*next <= t) __builtin_trap();
      t = *next;
    }
    if (new_york) (void)schedule->next_after(start, start, *new_york);
  }
  return 0;
}
