// S3's errors for bucket configurations, with S3's messages and the extra
// elements S3 writes inside <Error> (ArgumentName, ArgumentValue). Codes are
// S3's own (S3 models few of its errors; see the service README).
#pragma once

#include <string>

#include "common/error.h"

namespace nimbus::s3config {

inline Error malformed_xml() {
  return Error::make("MalformedXML",
                     "The XML you provided was not well-formed or did not validate against our "
                     "published schema",
                     400);
}

inline Error invalid_argument(std::string message, std::string name, std::string value) {
  return Error::make("InvalidArgument", std::move(message), 400)
      .with("ArgumentName", std::move(name))
      .with("ArgumentValue", std::move(value));
}

inline Error invalid_request(std::string message) {
  return Error::make("InvalidRequest", std::move(message), 400);
}

inline Error malformed_policy(std::string message) {
  return Error::make("MalformedPolicy", std::move(message), 400);
}

inline Error invalid_tag(std::string message) {
  return Error::make("InvalidTag", std::move(message), 400);
}

}  // namespace nimbus::s3config
