// libFuzzer target for STS's AssumeRole, AssumeRoleWithWebIdentity and
// GetSessionToken inputs (services/sts/requests.h): a JSON object as the
// protocol engine hands it to the service, read and checked under each. Must never crash
// or hang, whatever the members' types and lengths.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/sts/requests.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(input, ec);
  if (ec || !v.is_object()) return 0;
  (void)nimbus::services::sts::read_assume_role(v.as_object());
  (void)nimbus::services::sts::read_web_identity(v.as_object());
  (void)nimbus::services::sts::read_session_token(v.as_object());
  return 0;
}
