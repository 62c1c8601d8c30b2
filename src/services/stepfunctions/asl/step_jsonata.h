// The interpreter's step functions for states in the JSONata query language
// (step.cc hands them JSONata states): Arguments, Output, Assign, Items,
// ItemSelector, Conditions, with `$states` = {input, context, result,
// errorOutput} and the execution's variables bound.
#pragma once

#include "services/stepfunctions/asl/step.h"

namespace nimbus::sfn::asl {

Entered enter_jsonata(const State& s, const boost::json::value& input,
                      const boost::json::value& context, int64_t now_ms,
                      const boost::json::object* vars);

std::variant<Transition, Failure> complete_jsonata(const State& s, const boost::json::value& input,
                                                   boost::json::value result,
                                                   const boost::json::value& context,
                                                   const boost::json::object* vars, int64_t now_ms);

// A distributed Map's items (map_items()) and ResultWriter Arguments
// (writer_parameters()) in a JSONata state.
Entered map_items_jsonata(const State& s, const boost::json::value& input, boost::json::value items,
                          const boost::json::value& context, const boost::json::object* vars,
                          int64_t now_ms);
std::variant<boost::json::value, Failure> writer_arguments_jsonata(
    const State& s, const boost::json::value& input, const boost::json::value& context,
    const boost::json::object* vars, int64_t now_ms);

// A Catcher took `failure`: its Output (default $states.errorOutput) and Assign.
std::variant<Transition, Failure> catch_jsonata(const Catcher& c, const boost::json::value& input,
                                                const Failure& failure,
                                                const boost::json::value& context,
                                                const boost::json::object* vars, int64_t now_ms);

}  // namespace nimbus::sfn::asl
