// SNS message signatures: one RSA key pair and a self-signed certificate,
// made at a data directory's first start and kept there
// (`sns/signing-key.pem`, `sns/SimpleNotificationService.pem`), the
// certificate served by the server at kSigningCertPath. Envelopes are
// signed over SNS's canonical string of their fields: SignatureVersion 1
// with SHA1withRSA, 2 with SHA256withRSA (the topic's SignatureVersion).
//
// Making an RSA-2048 key takes 0.1-0.3 s on two cores, which start-up does
// not wait for: a key not yet stored is made on a thread of its own. Work
// that signs on an event loop goes through when_ready(), which defers it
// (in order) until the key is there; sign() and certificate_pem() wait
// for it, so they are for other threads or for work when_ready() ran.
//
// Threads: every member from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"

namespace nimbus::services::sns {

// Where the server serves the certificate (server/admin.cc).
constexpr const char* kSigningCertPath = "/_nimbus/sns/SimpleNotificationService.pem";
// Its file under the data directory.
constexpr const char* kSigningCertFile = "sns/SimpleNotificationService.pem";

class Signer {
 public:
  // Loads the key and certificate under `data_dir`, or starts making and
  // storing them; an empty `data_dir` makes a fresh pair in memory only
  // (tests). Fails only when stored files cannot be read as a key.
  static Result<std::unique_ptr<Signer>> open(const std::string& data_dir);
  ~Signer();  // waits for a key being made and the work deferred on it

  // Whether the key is there and the work deferred until then has run.
  bool ready() const;
  // Runs `f` now if ready(), else on the key's thread once the key is made,
  // after everything deferred before it.
  void when_ready(std::function<void()> f);

  // The base64 signature of `canonical` (version 1: SHA1, 2: SHA256);
  // empty if no key could be made (logged). Waits for the key.
  std::string sign(std::string_view canonical, int version) const;
  // PEM; empty if no key could be made. Waits for the key.
  const std::string& certificate_pem() const;

 private:
  struct Key;
  Signer();
  void make(std::string data_dir);  // the key's thread
  void wait_made() const;

  mutable Mutex mu_;
  mutable std::condition_variable cv_;
  // Set once, before made_; read only after made_ is seen set.
  std::unique_ptr<Key> key_;
  std::string cert_pem_;
  std::atomic<bool> made_{false};
  bool ready_ GUARDED_BY(mu_) = false;
  std::vector<std::function<void()>> deferred_ GUARDED_BY(mu_);
  std::thread maker_;
};

// "Name\nValue\n" for each field, in the order given (SNS's canonical
// string: the fields of the message type, alphabetical, absent ones left out).
std::string canonical_string(const std::vector<std::pair<std::string_view, std::string_view>>& f);

}  // namespace nimbus::services::sns
