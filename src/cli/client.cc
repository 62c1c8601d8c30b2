#include "cli/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstdlib>
#include <pugixml.hpp>

#include "auth/sigv4.h"
#include "common/clock.h"

namespace nimbus::cli {

namespace beast = boost::beast;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : std::string(fallback);
}

}  // namespace

struct Client::Conn {
  asio::io_context io;
  beast::tcp_stream stream{io};
  bool open = false;
};

std::string ClientResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

Client::Client(const std::string& endpoint_flag) : conn_(std::make_unique<Conn>()) {
  endpoint_ =
      endpoint_flag.empty() ? env_or("AWS_ENDPOINT_URL", "http://127.0.0.1:4566") : endpoint_flag;
  std::string rest = endpoint_;
  if (auto p = rest.find("://"); p != std::string::npos) rest = rest.substr(p + 3);
  if (auto p = rest.find('/'); p != std::string::npos) rest.resize(p);
  host_ = rest;
  port_ = "80";
  if (auto p = rest.rfind(':'); p != std::string::npos && rest.find(']', p) == std::string::npos) {
    host_ = rest.substr(0, p);
    port_ = rest.substr(p + 1);
  }
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  region_ = env_or("AWS_REGION", env_or("AWS_DEFAULT_REGION", "us-east-1").c_str());
  access_key_ = env_or("AWS_ACCESS_KEY_ID", "test");
  secret_key_ = env_or("AWS_SECRET_ACCESS_KEY", "test");
  session_token_ = env_or("AWS_SESSION_TOKEN", "");
}

Client::~Client() = default;

Result<ClientResponse> Client::send(http::Request request, const std::string& service) {
  std::string host_header = host_ + (port_ == "80" ? "" : ":" + port_);
  request.headers.emplace_back("host", host_header);
  request.headers.emplace_back("content-length", std::to_string(request.body.size()));
  auth::Credentials creds{access_key_, secret_key_, "", session_token_};
  auth::sign(request, creds, region_, service, std::chrono::system_clock::now());

  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    if (!conn_->open) {
      asio::ip::tcp::resolver resolver(conn_->io);
      auto addrs = resolver.resolve(host_, port_, ec);
      if (ec)
        return Error::make("ConnectionError", "cannot resolve " + host_ + ": " + ec.message());
      conn_->stream.connect(addrs, ec);
      if (ec) {
        return Error::make("ConnectionError",
                           "cannot reach nimbus at " + endpoint_ + ": " + ec.message());
      }
      conn_->open = true;
    }
    beast::http::request<beast::http::string_body> req;
    req.method_string(request.method);
    req.target(request.target);
    req.version(11);
    for (const auto& [k, v] : request.headers) req.set(k, v);
    req.body() = request.body;
    beast::http::write(conn_->stream, req, ec);
    beast::flat_buffer buf;
    beast::http::response_parser<beast::http::string_body> parser;
    parser.body_limit(64 << 20);
    if (request.method == "HEAD") parser.skip(true);  // a length but no body
    if (!ec) beast::http::read(conn_->stream, buf, parser, ec);
    if (ec) {
      // A keep-alive connection the server closed: one fresh attempt.
      conn_->stream.close();
      conn_->open = false;
      if (attempt == 0) continue;
      return Error::make("ConnectionError", "request to " + endpoint_ + " failed: " + ec.message());
    }
    auto res = parser.release();
    ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) out.headers.emplace_back(http::to_lower(f.name_string()), f.value());
    out.body = std::move(res.body());
    if (!res.keep_alive()) {
      conn_->stream.close();
      conn_->open = false;
    }
    return out;
  }
  return Error::make("ConnectionError", "request failed");
}

Error error_from_json(int status, const ClientResponse& response) {
  std::string code = response.header("x-amzn-errortype");
  std::string message;
  boost::system::error_code ec;
  auto v = json::parse(response.body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    for (const char* k : {"__type", "code", "Code"}) {
      if (code.empty() && o.contains(k) && o.at(k).is_string()) code = o.at(k).as_string();
    }
    for (const char* k : {"message", "Message", "errorMessage"}) {
      if (message.empty() && o.contains(k) && o.at(k).is_string()) message = o.at(k).as_string();
    }
  }
  if (auto p = code.find(':'); p != std::string::npos) code.resize(p);
  if (auto p = code.rfind('#'); p != std::string::npos) code = code.substr(p + 1);
  if (code.empty()) code = "HTTP" + std::to_string(status);
  if (message.empty()) message = response.body;
  return Error::make(code, message, status);
}

Error error_from_xml(int status, const ClientResponse& response) {
  pugi::xml_document doc;
  std::string code, message;
  if (doc.load_buffer(response.body.data(), response.body.size())) {
    auto error = doc.select_node("//Error").node();
    code = error.child_value("Code");
    message = error.child_value("Message");
  }
  if (code.empty()) code = "HTTP" + std::to_string(status);
  if (message.empty()) message = response.body;
  return Error::make(code, message, status);
}

Result<std::string> Client::query_call(const std::string& service, const std::string& version,
                                       const std::string& action, const QueryParams& params) {
  http::Request req;
  req.method = "POST";
  req.target = "/";
  req.headers.emplace_back("content-type", "application/x-www-form-urlencoded; charset=utf-8");
  req.body = "Action=" + percent_encode(action) + "&Version=" + percent_encode(version);
  for (const auto& [k, v] : params) req.body += "&" + percent_encode(k) + "=" + percent_encode(v);
  auto res = send(std::move(req), service);
  if (!res) return res.take_error();
  if (res->status != 200) return error_from_xml(res->status, *res);
  return std::move(res->body);
}

Result<json::object> Client::json_call(const std::string& service, const std::string& target,
                                       const json::object& input) {
  http::Request req;
  req.method = "POST";
  req.target = "/";
  req.headers.emplace_back("content-type", "application/x-amz-json-1.1");
  req.headers.emplace_back("x-amz-target", target);
  req.body = json::serialize(input);
  auto res = send(std::move(req), service);
  if (!res) return res.take_error();
  if (res->status != 200) return error_from_json(res->status, *res);
  boost::system::error_code ec;
  auto v = json::parse(res->body, ec);
  if (ec || !v.is_object())
    return Error::make("InvalidResponse", "not a JSON object: " + res->body);
  return std::move(v.as_object());
}

}  // namespace nimbus::cli
