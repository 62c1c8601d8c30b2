// What the two tasks that send an HTTP request share: the HTTP Task
// (arn:aws:states:::http:invoke, http_task.cc) and API Gateway's
// (arn:aws:states:::apigateway:invoke, apigateway_task.cc). Their
// Parameters name the method, headers and query string the same way, and
// both answer {Headers, ResponseBody, StatusCode, StatusText}.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "http/message.h"

namespace nimbus::sfn {

// GET, POST, PUT, DELETE, PATCH, HEAD or OPTIONS: what both tasks send.
bool task_method(std::string_view method);

// A parameter value as the text a header or query string carries: a
// string as itself, anything else as its JSON.
std::string text_of(const boost::json::value& v);

// Appends `key`=`value` pairs of `v` to `out` (percent-encoded, joined by
// '&'): arrays as `format` says (INDICES a[0]=x, REPEAT a=x&a=y, COMMAS
// a=x,y, BRACKETS a[]=x; NONE and anything else as REPEAT), nested objects
// as key[inner].
void encode_form(std::string& out, const std::string& key, const boost::json::value& v,
                 std::string_view format);

// The task's result: Headers (each name with the list of its values),
// ResponseBody (parsed when it is JSON, else the text), StatusCode,
// StatusText.
boost::json::object http_result(int status, std::string_view reason, const http::Headers& headers,
                                const std::string& body);

}  // namespace nimbus::sfn
