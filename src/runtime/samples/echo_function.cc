// A native function for tests and benchmarks: echoes the event; an event of
// "crash" aborts, "error" reports a function error, "sleep:N" sleeps N ms,
// "alloc:N" touches N MB of memory.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "runtime/sdk/lambda_function.h"

int main() {
  return nimbus::lambda::run([](const nimbus::lambda::Invocation& inv) {
    const std::string& p = inv.payload;
    if (p == "\"crash\"") std::abort();
    if (p == "\"error\"") return nimbus::lambda::Response::error("EchoError", "asked to fail");
    if (p.rfind("\"sleep:", 0) == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(p.c_str() + 7)));
    if (p.rfind("\"alloc:", 0) == 0) {
      size_t mb = static_cast<size_t>(std::atoi(p.c_str() + 7));
      std::vector<char> block(mb << 20);
      std::memset(block.data(), 1, block.size());
      return nimbus::lambda::Response::ok(std::to_string(block[block.size() - 1]));
    }
    return nimbus::lambda::Response::ok(p);
  });
}
