// A function's private network (Isolation::net_ns). Internal.
//
// With `nimbus serve --lambda-network none` each environment is cloned into
// a network namespace of its own, which starts with only a loopback device,
// down. The child, still privileged, brings it up and opens two listening
// sockets on 127.0.0.1 inside it: the Runtime API's and the AWS endpoint's.
// It hands both to the server over a Unix socket (SCM_RIGHTS) and closes its
// own copies; a socket stays in the namespace it was created in, so the
// server accepts the function's connections from its own event loop as it
// does on its own loopback, with no forwarding process and no copying.
//
// The child's side (loopback_up, listen_on_loopback, send_listeners) makes
// raw system calls only: it runs between clone and execve.
#pragma once

#include <cstdint>

namespace nimbus::runtime {

inline constexpr int kListenerCount = 2;  // the Runtime API's, then the endpoint's

// Sets IFF_UP on "lo" of the caller's network namespace; 0 or an errno.
int loopback_up();
// A listening TCP socket (close-on-exec, non-blocking) on 127.0.0.1:port;
// -errno on failure.
int listen_on_loopback(uint16_t port);
// Brings loopback up, listens on both ports and sends the two sockets over
// `sock`, then closes them; 0 or an errno.
int send_listeners(int sock, uint16_t runtime_api_port, uint16_t endpoint_port);
// The parent's side: receives kListenerCount descriptors (close-on-exec)
// into `fds`. Blocks until they arrive or the child closes its end (false).
bool receive_listeners(int sock, int fds[kListenerCount]);

}  // namespace nimbus::runtime
