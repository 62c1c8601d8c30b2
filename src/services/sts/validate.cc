#include "services/sts/validate.h"

namespace nimbus::services::sts {

void Constraints::fail(std::string_view shown, std::string_view member,
                       std::string_view constraint) {
  std::string value = shown.empty() ? "" : std::string(shown) + " ";
  errors_.push_back("Value " + value + "at '" + std::string(member) +
                    "' failed to satisfy constraint: Member must " + std::string(constraint));
}

void Constraints::sensitive(std::string_view member, size_t size, size_t min, size_t max) {
  if (size < min) {
    fail("", member, "have length greater than or equal to " + std::to_string(min));
  } else if (size > max) {
    fail("", member, "have length less than or equal to " + std::to_string(max));
  }
}

void Constraints::text(std::string_view member, const std::string& value, size_t min, size_t max,
                       CharClass allowed, std::string_view pattern) {
  std::string shown = "'" + value + "'";
  if (value.size() < min) {
    fail(shown, member, "have length greater than or equal to " + std::to_string(min));
  } else if (value.size() > max) {
    fail(shown, member, "have length less than or equal to " + std::to_string(max));
  }
  if (allowed) {
    for (unsigned char c : value) {
      if (!allowed(c)) {
        fail(shown, member, "satisfy regular expression pattern: " + std::string(pattern));
        break;
      }
    }
  }
}

void Constraints::number(std::string_view member, int64_t value, int64_t min, int64_t max) {
  std::string shown = "'" + std::to_string(value) + "'";
  if (value < min) {
    fail(shown, member, "have value greater than or equal to " + std::to_string(min));
  } else if (value > max) {
    fail(shown, member, "have value less than or equal to " + std::to_string(max));
  }
}

void Constraints::at_most(std::string_view member, std::string_view shown, size_t count,
                          size_t max) {
  if (count > max) {
    fail("'" + std::string(shown) + "'", member,
         "have length less than or equal to " + std::to_string(max));
  }
}

void Constraints::required(std::string_view member) {
  fail("null", member, "not be null");
}

Status Constraints::result() const {
  if (errors_.empty()) return Status::ok();
  std::string m =
      std::to_string(errors_.size()) +
      (errors_.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < errors_.size(); ++i) {
    if (i) m += "; ";
    m += errors_[i];
  }
  return Error::validation(std::move(m));
}

}  // namespace nimbus::services::sts
