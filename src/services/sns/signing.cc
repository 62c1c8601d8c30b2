#include "services/sns/signing.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "common/thread_name.h"

namespace nimbus::services::sns {

namespace fs = std::filesystem;

struct Signer::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

Error failed(const std::string& what) {
  return Error::make("InternalError", "sns signing key: " + what, 500);
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

std::string key_pem(EVP_PKEY* pkey) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  std::string out = bio_string(bio);
  BIO_free(bio);
  return out;
}

// A self-signed certificate for `pkey`, valid for ten years.
std::string certificate(EVP_PKEY* pkey) {
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600);
  X509_set_pubkey(x, pkey);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("nimbus"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("sns.nimbus.local"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  std::string out;
  if (X509_sign(x, pkey, EVP_sha256()) > 0) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, x);
    out = bio_string(bio);
    BIO_free(bio);
  }
  X509_free(x);
  return out;
}

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Written whole or not at all (a temporary file renamed over).
bool write_file(const fs::path& p, const std::string& text, bool secret) {
  fs::path tmp = p;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    if (secret) ::chmod(tmp.c_str(), 0600);
    out << text;
    out.flush();
    if (!out) return false;
  }
  std::error_code ec;
  fs::rename(tmp, p, ec);
  return !ec;
}

}  // namespace

Signer::Signer() = default;

Signer::~Signer() {
  if (maker_.joinable()) maker_.join();
}

Result<std::unique_ptr<Signer>> Signer::open(const std::string& data_dir) {
  std::unique_ptr<Signer> signer(new Signer());
  if (!data_dir.empty()) {
    fs::path key_path = fs::path(data_dir) / "sns" / "signing-key.pem";
    fs::path cert_path = fs::path(data_dir) / kSigningCertFile;
    auto k = read_file(key_path);
    auto c = read_file(cert_path);
    if (k && c) {
      auto key = std::make_unique<Key>();
      BIO* bio = BIO_new_mem_buf(k->data(), static_cast<int>(k->size()));
      key->pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
      BIO_free(bio);
      if (key->pkey == nullptr) return failed("cannot read " + key_path.string());
      signer->key_ = std::move(key);
      signer->cert_pem_ = std::move(*c);
      signer->made_.store(true, std::memory_order_release);
      MutexLock lock(signer->mu_);
      signer->ready_ = true;
      return signer;
    }
  }
  Signer* raw = signer.get();
  signer->maker_ = std::thread([raw, data_dir] { raw->make(data_dir); });
  return signer;
}

void Signer::make(std::string data_dir) {
  set_thread_name("nimbus-sns-key");
  auto key = std::make_unique<Key>();
  key->pkey = EVP_RSA_gen(2048);
  std::string cert = key->pkey == nullptr ? std::string() : certificate(key->pkey);
  if (cert.empty()) {
    spdlog::error("sns: cannot make a signing key and certificate; envelopes go unsigned");
  } else if (!data_dir.empty()) {
    fs::path dir = fs::path(data_dir) / "sns";
    std::error_code ec;
    fs::create_directories(dir, ec);
    // The key first: a certificate on disk always has its key.
    if (ec || !write_file(dir / "signing-key.pem", key_pem(key->pkey), true) ||
        !write_file(fs::path(data_dir) / kSigningCertFile, cert, false)) {
      spdlog::error("sns: cannot store the signing key under {}; it lasts until the server stops",
                    dir.string());
    }
  }
  if (!cert.empty()) {
    key_ = std::move(key);
    cert_pem_ = std::move(cert);
  }
  {
    MutexLock lock(mu_);
    made_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
  // Deferred work runs here in the order it came; ready() only once none is
  // left, so nothing run inline overtakes it.
  for (;;) {
    std::vector<std::function<void()>> batch;
    {
      MutexLock lock(mu_);
      if (deferred_.empty()) {
        ready_ = true;
        return;
      }
      batch.swap(deferred_);
    }
    for (auto& f : batch) f();
  }
}

bool Signer::ready() const {
  MutexLock lock(mu_);
  return ready_;
}

void Signer::when_ready(std::function<void()> f) {
  {
    MutexLock lock(mu_);
    if (!ready_) {
      deferred_.push_back(std::move(f));
      return;
    }
  }
  f();
}

void Signer::wait_made() const {
  if (made_.load(std::memory_order_acquire)) return;
  MutexLock lock(mu_);
  while (!made_.load(std::memory_order_acquire)) lock.wait(cv_);
}

const std::string& Signer::certificate_pem() const {
  wait_made();
  return cert_pem_;
}

std::string Signer::sign(std::string_view canonical, int version) const {
  wait_made();
  if (key_ == nullptr) return {};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string sig;
  size_t len = 0;
  const EVP_MD* md = version == 2 ? EVP_sha256() : EVP_sha1();
  const auto* data = reinterpret_cast<const unsigned char*>(canonical.data());
  if (EVP_DigestSignInit(ctx, nullptr, md, nullptr, key_->pkey) > 0 &&
      EVP_DigestSign(ctx, nullptr, &len, data, canonical.size()) > 0) {
    sig.resize(len);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                       canonical.size()) > 0) {
      sig.resize(len);
    } else {
      sig.clear();
    }
  }
  EVP_MD_CTX_free(ctx);
  return base64_encode(sig);
}

std::string canonical_string(
    const std::vector<std::pair<std::string_view, std::string_view>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    out.append(k);
    out.push_back('\n');
    out.append(v);
    out.push_back('\n');
  }
  return out;
}

}  // namespace nimbus::services::sns
