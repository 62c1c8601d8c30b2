// libFuzzer target for the stream pollers' stored checkpoints (a position,
// and the open tumbling window as JSON after a newline): any bytes, as a
// damaged or foreign record would be, must decode without throwing, and
// what decodes as a window must encode and decode to the same window (its
// start and flag; the state stays an object, though Boost.JSON's double
// parsing may move a huge number's last digits on each pass).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "events/stream_window.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nimbus::events;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string position;
  WindowState w;
  decode_checkpoint(text, position, w);
  if (w.open() && position.find('\n') == std::string::npos) {
    std::string again_position;
    WindowState again;
    decode_checkpoint(encode_checkpoint(position, w), again_position, again);
    if (again_position != position || again.start_ms != w.start_ms || again.early != w.early ||
        !again.open() || again.state.empty() || again.state.front() != '{') {
      std::abort();
    }
  }
  (void)window_start(static_cast<int64_t>(size) * 7919 - 100000, static_cast<int>(size % 901));
  return 0;
}
