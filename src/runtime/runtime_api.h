// The Lambda Runtime API (2018-06-01) for one environment, served on
// 127.0.0.1:<ephemeral port> from the runtime's shared event loop.
//
// Threading: created, used and closed on the loop thread only; the handler's
// methods run there too and answer through the Reply (also on the loop), at
// once or later (/next is a long poll). close() drops every connection and
// the port; nothing calls the handler afterwards.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace nimbus::runtime {

struct ApiResponse {
  int status = 202;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  static ApiResponse accepted() { return {202, {}, R"({"status":"OK"})"}; }
  static ApiResponse error(int status, const std::string& type, const std::string& message);
};
using ApiReply = std::function<void(ApiResponse)>;

class ApiHandler {
 public:
  virtual ~ApiHandler() = default;
  virtual void on_next(ApiReply reply) = 0;
  virtual void on_response(const std::string& request_id, std::string body, ApiReply reply) = 0;
  // `error_type` from Lambda-Runtime-Function-Error-Type, possibly empty.
  virtual void on_error(const std::string& request_id, std::string error_type, std::string body,
                        ApiReply reply) = 0;
  virtual void on_init_error(std::string error_type, std::string body, ApiReply reply) = 0;
};

class RuntimeApi {
 public:
  // Largest body accepted (responses are capped at 6 MB by Lambda; the
  // service checks that limit, this one only bounds memory).
  static constexpr uint64_t kMaxBody = 8u << 20;

  RuntimeApi(boost::asio::io_context& loop, ApiHandler& handler);
  ~RuntimeApi();  // close()s
  RuntimeApi(const RuntimeApi&) = delete;
  RuntimeApi& operator=(const RuntimeApi&) = delete;

  [[nodiscard]] Result<uint16_t> listen();  // binds 127.0.0.1:0, returns the port
  // Serves on `fd`, a listening socket made elsewhere (in the function's
  // own network namespace, netns.h), owned from now on. Only that
  // environment can reach it: no peer check.
  [[nodiscard]] Status adopt(int fd, uint16_t port);
  // Serves only connections whose client socket `uid` owns (peer.h): the
  // environment's own user. Call before listen().
  void only_from_uid(uint32_t uid);
  void close();
  uint16_t port() const { return port_; }

  struct State;  // shared with connections, so late completions find it closed

 private:
  std::shared_ptr<State> state_;
  uint16_t port_ = 0;
};

}  // namespace nimbus::runtime
