// The definition parser's shared helpers (parse.cc reads machines and the
// common fields, parse_states.cc the fields of each state type).
#pragma once

#include <boost/json.hpp>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "services/stepfunctions/asl/definition.h"

namespace nimbus::sfn::asl {

class DefinitionParser {
 public:
  std::vector<Diagnostic> diagnostics;
  bool jsonata = false;  // the machine's QueryLanguage is JSONata (states may say otherwise)

  std::shared_ptr<Machine> machine(const boost::json::value& raw, const std::string& loc, int depth,
                                   std::initializer_list<std::string_view> extra = {});

  void error(std::string code, std::string message, std::string location) {
    if (diagnostics.size() < 100) {
      diagnostics.push_back({std::move(code), std::move(message), std::move(location)});
    }
  }
  void schema(std::string message, std::string location) {
    error("SCHEMA_VALIDATION_FAILED", std::move(message), std::move(location));
  }

  // Each reports its own diagnostic and answers nullopt / false on a problem.
  void only_fields(const boost::json::object& o, std::initializer_list<std::string_view> allowed,
                   const std::string& loc);
  std::optional<std::string> string_field(const boost::json::object& o, std::string_view key,
                                          const std::string& loc, bool required);
  // A required, non-empty array (Choices, Branches).
  const boost::json::array* nonempty_array(const boost::json::object& o, std::string_view key,
                                           const std::string& loc);
  std::optional<int64_t> integer_field(const boost::json::object& o, std::string_view key,
                                       const std::string& loc, int64_t min);
  std::optional<double> number_field(const boost::json::object& o, std::string_view key,
                                     const std::string& loc, double min);
  std::optional<Path> path_field(const boost::json::object& o, std::string_view key,
                                 const std::string& loc, bool reference);
  OptionalPath nullable_path(const boost::json::object& o, std::string_view key,
                             const std::string& loc, bool reference);
  std::optional<Template> template_field(const boost::json::object& o, std::string_view key,
                                         const std::string& loc);
  // A JSONPath state's (or rule's, or catcher's) Assign: an object whose
  // keys are variable names (`name` or `name.$`).
  std::optional<Template> assign_field(const boost::json::object& o, const std::string& loc);

  void state(State& s, const boost::json::object& o, const std::string& loc, int depth);
  // A state in the JSONata query language (parse_jsonata.cc).
  void jsonata_state(State& s, const boost::json::object& o, const std::string& loc, int depth);
  std::optional<Query> query_field(const boost::json::object& o, std::string_view key,
                                   const std::string& loc);

 private:
  void transition(State& s, const boost::json::object& o, const std::string& loc);
  void task(State& s, const boost::json::object& o, const std::string& loc);
  void errors_handling(State& s, const boost::json::object& o, const std::string& loc);
  void choice(State& s, const boost::json::object& o, const std::string& loc);
  void wait(State& s, const boost::json::object& o, const std::string& loc);
  void fail(State& s, const boost::json::object& o, const std::string& loc);
  // A Parallel state's Branches, either query language.
  void branches(State& s, const boost::json::object& o, const std::string& loc, int depth);
  void map(State& s, const boost::json::object& o, const std::string& loc, int depth);
  // ProcessorConfig, Label, ItemReader, ItemBatcher, ResultWriter
  // (parse_distributed.cc).
  void distributed(State& s, const boost::json::object& o, const std::string& loc,
                   const boost::json::value& processor, const std::string& ploc);
};

}  // namespace nimbus::sfn::asl
