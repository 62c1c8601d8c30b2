// libFuzzer target for the TZif reader (src/events/schedule_tz.cc): the
// transitions, the footer's POSIX TZ rule, and offset lookups on what parses.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "events/schedule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto zone = nimbus::events::TimeZone::parse_tzif(input);
  if (!zone) return 0;
  for (int64_t t : {int64_t{-5000000000}, int64_t{0}, int64_t{1764806400}, int64_t{2215061999},
                    int64_t{7000000000}}) {
    (void)zone->offset_at(t);
    (void)zone->earliest(t);
  }
  return 0;
}
