// ClientRequestTokens of TransactWriteItems and ExecuteTransaction: a
// token names one request for 10 minutes. The record is written in the
// storage batch of the transaction it names (so after a crash a token is
// remembered exactly when its transaction was applied), read under the
// transaction's item turns, and swept with the TTL sweep.
//
// Schema: namespace dynamodb.tokens, (str token, u64 expiry ms) -> the
// SHA-256 (hex) of the request's items. The expiry (on the injectable
// clock) is in the key, so the sweep deletes exactly the records it saw
// expired, never one a later use of the token wrote.
#include <charconv>

#include "auth/crypto.h"
#include "services/dynamodb/dynamodb_service.h"
#include "storage/key_codec.h"
#include "storage/storage.h"

namespace nimbus::services::dynamodb {

namespace {

constexpr char kTokens[] = "dynamodb.tokens";
constexpr int64_t kTokenLifetimeMs = 10 * 60 * 1000;

std::string token_prefix(const std::string& token) {
  return storage::KeyBuilder().str(token).bytes();
}

}  // namespace

Result<bool> DynamoDbService::token_seen(const std::string& token,
                                         const std::string& fingerprint) const {
  std::string prefix = token_prefix(token);
  auto newest = env_.storage->records(kTokens).last(prefix);
  if (!newest) return newest.take_error();
  if (!*newest) return false;
  uint64_t expires = 0;
  if (!storage::decode_key(std::string_view((*newest)->key).substr(prefix.size()), expires) ||
      static_cast<int64_t>(expires) <= env_.clock.now_millis()) {
    return false;
  }
  if ((*newest)->value != auth::crypto::sha256_hex(fingerprint)) {
    return Error::make("IdempotentParameterMismatchException",
                       "The request uses the same client token as a previous, but "
                       "non-identical request.");
  }
  return true;
}

void DynamoDbService::remember_token(storage::WriteBatch& batch, const std::string& token,
                                     const std::string& fingerprint) const {
  auto expires = static_cast<uint64_t>(env_.clock.now_millis() + kTokenLifetimeMs);
  batch.add_partition("dynamodb/token/" + token);
  batch.put(kTokens, storage::KeyBuilder().str(token).u64(expires).bytes(),
            auth::crypto::sha256_hex(fingerprint));
}

size_t DynamoDbService::sweep_tokens() {
  auto now = static_cast<uint64_t>(env_.clock.now_millis());
  storage::WriteBatch batch("dynamodb/tokens");
  size_t gone = 0;
  auto st = env_.storage->records(kTokens).each("", [&](storage::Entry& e) {
    std::string token;
    uint64_t expires = 0;
    if (storage::decode_key(e.key, token, expires) && expires > now) return;
    batch.del(kTokens, e.key);
    ++gone;
  });
  if (!st || gone == 0) return 0;
  env_.storage->commit(std::move(batch), [](Status) {});
  return gone;
}

}  // namespace nimbus::services::dynamodb
