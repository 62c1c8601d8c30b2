// STS's input constraints (the model's min / max / pattern), checked all at
// once and reported as AWS reports them: "2 validation errors detected:
// Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must
// ...; Value ...", code ValidationError.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::services::sts {

class Constraints {
 public:
  // Which bytes a pattern of the form [...]* allows.
  using CharClass = bool (*)(unsigned char);
  // A string member: its length within [min, max] and, when given, every
  // byte in `allowed` (`pattern` is the model's, for the message).
  void text(std::string_view member, const std::string& value, size_t min, size_t max,
            CharClass allowed = nullptr, std::string_view pattern = {});
  // A sensitive member (a token): its length checked, its value never shown
  // ("Value at 'webIdentityToken' failed to satisfy constraint: ...").
  void sensitive(std::string_view member, size_t size, size_t min, size_t max);
  void number(std::string_view member, int64_t value, int64_t min, int64_t max);
  void at_most(std::string_view member, std::string_view shown, size_t count, size_t max);
  void required(std::string_view member);
  Status result() const;

 private:
  void fail(std::string_view shown, std::string_view member, std::string_view constraint);
  std::vector<std::string> errors_;
};

}  // namespace nimbus::services::sts
