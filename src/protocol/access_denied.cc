#include "protocol/access_denied.h"

namespace nimbus::protocol {

Error access_denied(const Call& call, std::string message) {
  // SNS words a denial its own way: AuthorizationError, and the action
  // written "SNS:Publish" ("... not authorized to perform: SNS:Publish on
  // resource: ... because no identity-based policy allows the SNS:Publish
  // action").
  if (call.service_name == "sns") {
    for (size_t at = message.find(" sns:"); at != std::string::npos;
         at = message.find(" sns:", at + 1)) {
      message.replace(at + 1, 3, "SNS");
    }
    return Error::make("AuthorizationError", std::move(message), 403);
  }
  bool json_code =
      (call.protocol == Protocol::kJson10 || call.protocol == Protocol::kJson11 ||
       call.protocol == Protocol::kJson11Cbor || call.protocol == Protocol::kRestJson) &&
      !call.query_mode;
  return Error::make(json_code ? "AccessDeniedException" : "AccessDenied", std::move(message), 403);
}

}  // namespace nimbus::protocol
