// The function bench/esm_bench.py maps to its queue: logs the wall-clock
// time (microseconds) it started, then the event, as one line:
//   ESMBENCH <epoch µs> {"Records":[...]}
#include <chrono>
#include <cstdio>

#include "runtime/sdk/lambda_function.h"

int main() {
  return nimbus::lambda::run([](const nimbus::lambda::Invocation& inv) {
    using namespace std::chrono;
    long long us = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    std::printf("ESMBENCH %lld %s\n", us, inv.payload.c_str());
    std::fflush(stdout);
    return nimbus::lambda::Response::ok("{}");
  });
}
