#include "services/sns/signing.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/encoding.h"

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

Signer::Signer(std::unique_ptr<Key> key, std::string cert_pem)
    : key_(std::move(key)), cert_pem_(std::move(cert_pem)) {}
Signer::~Signer() = default;

Result<std::unique_ptr<Signer>> Signer::open(const std::string& data_dir) {
  auto key = std::make_unique<Key>();
  fs::path dir = data_dir.empty() ? fs::path() : fs::path(data_dir) / "sns";
  fs::path key_path = dir / "signing-key.pem";
  fs::path cert_path = fs::path(data_dir) / kSigningCertFile;
  if (!data_dir.empty()) {
    auto k = read_file(key_path);
    auto c = read_file(cert_path);
    if (k && c) {
      BIO* bio = BIO_new_mem_buf(k->data(), static_cast<int>(k->size()));
      key->pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
      BIO_free(bio);
      if (key->pkey == nullptr) return failed("cannot read " + key_path.string());
      return std::unique_ptr<Signer>(new Signer(std::move(key), std::move(*c)));
    }
  }
  key->pkey = EVP_RSA_gen(2048);
  if (key->pkey == nullptr) return failed("cannot generate an RSA key");
  std::string cert = certificate(key->pkey);
  if (cert.empty()) return failed("cannot make a certificate");
  if (!data_dir.empty()) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    // The key first: a certificate on disk always has its key.
    if (ec || !write_file(key_path, key_pem(key->pkey), true) ||
        !write_file(cert_path, cert, false)) {
      return failed("cannot write under " + dir.string());
    }
  }
  return std::unique_ptr<Signer>(new Signer(std::move(key), std::move(cert)));
}

std::string Signer::sign(std::string_view canonical, int version) const {
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
