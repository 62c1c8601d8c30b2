#include "http/smtp_reply.h"

#include <cctype>
#include <sstream>

namespace nimbus::http::smtp {

Line classify(std::string_view line) {
  bool coded = line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
               std::isdigit(static_cast<unsigned char>(line[1])) &&
               std::isdigit(static_cast<unsigned char>(line[2]));
  if (!coded || line.size() > 1000) return Line::kBad;
  return line.size() > 3 && line[3] == '-' ? Line::kMore : Line::kLast;
}

namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Capabilities capabilities(const std::vector<std::string>& reply) {
  Capabilities caps;
  for (size_t i = 1; i < reply.size(); ++i) {
    std::istringstream words(upper(reply[i].size() > 4 ? reply[i].substr(4) : ""));
    std::string keyword;
    words >> keyword;
    if (keyword == "STARTTLS") caps.starttls = true;
    if (keyword.starts_with("AUTH=")) {
      // The old form: the first mechanism is glued to the keyword.
      std::string first = keyword.substr(5);
      caps.plain |= first == "PLAIN";
      caps.login |= first == "LOGIN";
      keyword = "AUTH";
    }
    if (keyword != "AUTH") continue;
    for (std::string m; words >> m;) {
      caps.plain |= m == "PLAIN";
      caps.login |= m == "LOGIN";
    }
  }
  return caps;
}

}  // namespace nimbus::http::smtp
