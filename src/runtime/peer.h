// Who is on the other end of a loopback TCP connection. Internal.
//
// Every environment's Runtime API listens on the host's loopback, which every
// function shares (no network namespace): without a check, one function could
// connect to another environment's port and take its invocations. Each
// environment runs as a uid of its own (Isolation::switch_user), so the
// Runtime API accepts only connections whose client socket that uid owns.
// (With a private network, Isolation::net_ns, the listener is in the
// environment's own namespace, which no one else shares: no check, and
// sock_diag from the server's namespace would not see the socket anyway.)
#pragma once

#include <cstdint>
#include <optional>

namespace nimbus::runtime {

// The uid owning the client socket of the accepted IPv4 connection `fd`
// (NETLINK_SOCK_DIAG, one request/answer, no blocking I/O); nullopt when
// the kernel cannot tell.
std::optional<uint32_t> loopback_peer_uid(int fd);

}  // namespace nimbus::runtime
