// What the evaluator shares with the method library (methods.cc): the
// methods of strings, lists and maps, numbers and truthiness.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/vtl/vtl.h"

namespace nimbus::vtl {

// `self.name(args)` for a string, list or map as Java names the method.
// `mut` is self's storage when it may change (add, put, remove), else null
// (the change then applies to a copy). nullopt: no such method, or a null
// result; an Error for a bad argument that Java would throw on.
std::variant<std::optional<boost::json::value>, Error> call_method(
    const boost::json::value& self, boost::json::value* mut, std::string_view name,
    const std::vector<boost::json::value>& args, size_t max_size);

// Values deeper than this are refused where a template nests them
// (copying and printing recurse), and values of more nodes (a list added
// to itself doubles).
constexpr int kMaxValueDepth = 100;
constexpr size_t kMaxValueNodes = size_t{1} << 18;
// Whether `v` holds containers more than `levels` deep or more than
// kMaxValueNodes values.
bool too_big(const boost::json::value& v, int levels);

// Java's Double.toString.
std::string java_double(double d);

}  // namespace nimbus::vtl
