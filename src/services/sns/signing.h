// SNS message signatures: one RSA key pair and a self-signed certificate,
// made at first start and kept in the data directory
// (`sns/signing-key.pem`, `sns/SimpleNotificationService.pem`), the
// certificate served by the server at kSigningCertPath. Envelopes are
// signed over SNS's canonical string of their fields: SignatureVersion 1
// with SHA1withRSA, 2 with SHA256withRSA (the topic's SignatureVersion).
//
// Threads: sign() from any thread (the key is read-only once loaded).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace nimbus::services::sns {

// Where the server serves the certificate (server/admin.cc).
constexpr const char* kSigningCertPath = "/_nimbus/sns/SimpleNotificationService.pem";
// Its file under the data directory.
constexpr const char* kSigningCertFile = "sns/SimpleNotificationService.pem";

class Signer {
 public:
  // Loads the key and certificate under `data_dir`, or makes and stores
  // them; an empty `data_dir` keeps a fresh pair in memory only (tests).
  static Result<std::unique_ptr<Signer>> open(const std::string& data_dir);
  ~Signer();

  // The base64 signature of `canonical` (version 1: SHA1, 2: SHA256).
  std::string sign(std::string_view canonical, int version) const;
  const std::string& certificate_pem() const { return cert_pem_; }

 private:
  struct Key;
  Signer(std::unique_ptr<Key> key, std::string cert_pem);
  std::unique_ptr<Key> key_;
  std::string cert_pem_;
};

// "Name\nValue\n" for each field, in the order given (SNS's canonical
// string: the fields of the message type, alphabetical, absent ones left out).
std::string canonical_string(const std::vector<std::pair<std::string_view, std::string_view>>& f);

}  // namespace nimbus::services::sns
