#include "runtime/types.h"

namespace nimbus::runtime {

const char* to_string(InvokeStatus s) {
  switch (s) {
    case InvokeStatus::kOk:
      return "ok";
    case InvokeStatus::kFunctionError:
      return "function-error";
    case InvokeStatus::kTimeout:
      return "timeout";
    case InvokeStatus::kOutOfMemory:
      return "out-of-memory";
    case InvokeStatus::kInitError:
      return "init-error";
    case InvokeStatus::kExitError:
      return "exit-error";
    case InvokeStatus::kInternal:
      return "internal";
  }
  return "?";
}

}  // namespace nimbus::runtime
