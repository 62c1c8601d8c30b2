// The errors of both gateway APIs (apigateway and apigatewayv2 share the
// shape names) and the bodies the data plane answers with.
#pragma once

#include <string>

#include "common/error.h"

namespace nimbus::services::apigateway::errors {

inline Error bad_request(std::string message) {
  return Error::make("BadRequestException", std::move(message));
}
inline Error not_found(std::string message) {
  return Error::make("NotFoundException", std::move(message));
}
inline Error conflict(std::string message) {
  return Error::make("ConflictException", std::move(message));
}

}  // namespace nimbus::services::apigateway::errors
