// Logins and bearer tokens, with no per-client state: a challenge and a token
// are each a MAC under a key only the server has, over what they stand for.
// Issuing either costs no memory, so a flood of challenges or logins from
// fresh keys cannot grow mendd. Tokens survive a restart and need no shared
// table between nodes that share the store's key.
//
// Replay: a challenge carries its own expiry (60 s), and a login's nonce is
// remembered until then, so a captured (nonce, signature) pair is refused the
// second time. We chose a bounded cache of used nonces over one-time tokens
// held per challenge because only successful logins (a valid signature over a
// nonce this server issued) ever enter the cache, and those are themselves
// rate-limited: past `max_used_nonces` anonymous logins are refused, while a
// member's entries are bounded by its own login budget, so no one else's
// logins can fill its share (see Login).
//
// Thread-safe.
#ifndef MEND_SERVER_AUTHENTICATOR_H_
#define MEND_SERVER_AUTHENTICATOR_H_

#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "crypto/secret_bytes.h"
#include "server/clock.h"
#include "server/limits.h"
#include "server/rate_limiter.h"

namespace mend::server {

class Authenticator {
 public:
  // Claims a used nonce in a place every node sees (LogStore::ClaimNonce):
  // false when another node (or this one) already did.
  using ClaimNonce =
      std::function<absl::StatusOr<bool>(const std::string& nonce, int64_t expires_unix_ms)>;

  // `auth_key`: 32 secret bytes kept by the store (LogStore::auth_key).
  // `claim`, when set, is asked after this node's own cache, so that a
  // captured login cannot be replayed through another node either.
  Authenticator(const std::string& server_id, const crypto::SecretBytes& auth_key,
                const ServerLimits& limits, Clock clock, ClaimNonce claim = nullptr);

  struct Challenge {
    std::string nonce;  // 32 bytes: random(8) || u64be(expires_unix_ms) || MAC(16)
    int64_t expires_unix_ms;
  };
  // A fresh nonce for `member`. REQUIRES: member is 32 bytes.
  Challenge IssueChallenge(const std::string& member);

  struct Token {
    std::string token;
    int64_t expires_unix_ms;
  };
  // Checks the nonce (issued here, to `member`, not expired, not used) and
  // the signature. Unauthenticated on any failure. A `known_member` (one
  // that belongs to a couple on this server) has a login budget of its own,
  // spent only by logins that verify, so that no flood from anyone else can
  // lock it out; ResourceExhausted when it is spent.
  absl::StatusOr<Token> Login(const std::string& member, const std::string& nonce,
                              const std::string& signature, bool known_member);

  // For Leave and Purge: checks that `member` signed `label || server_id ||
  // couple_id || nonce` over a challenge issued to it here, unexpired and
  // unused (then marks it used). Unauthenticated on any failure.
  absl::Status VerifyDestructiveCall(std::string_view label, const std::string& member,
                                     const std::string& couple_id, const std::string& nonce,
                                     const std::string& signature);

  // The member a bearer token belongs to. Unauthenticated when it is not one
  // of ours or has expired.
  absl::StatusOr<std::string> Authenticate(const std::string& token) const;

  size_t used_nonces();

 private:
  std::string ChallengeMac(const std::string& member, std::string_view random,
                           std::string_view expiry) const;
  // The expiry of a nonce issued here to `member` and not yet expired.
  absl::StatusOr<int64_t> CheckChallenge(const std::string& member, const std::string& nonce) const;
  std::string TokenMac(std::string_view member, std::string_view expiry) const;
  // Records `nonce` as used; false when it already was, or when the cache is
  // full (then `*full` is set).
  bool MarkUsed(const std::string& nonce, int64_t expires_unix_ms, bool known_member, bool* full);

  // MarkUsed, then the shared claim when there is one.
  absl::Status Use(const std::string& nonce, int64_t expires_unix_ms, bool known_member);

  const std::string server_id_;
  const ClaimNonce claim_;
  const crypto::SecretBytes challenge_key_;
  const crypto::SecretBytes token_key_;
  const ServerLimits limits_;
  const Clock clock_;
  RateLimiter member_logins_;
  std::mutex mu_;
  struct UsedNonce {
    int64_t expires_unix_ms;
    bool known_member;
  };
  std::unordered_map<std::string, UsedNonce> used_ ABSL_GUARDED_BY(mu_);  // by nonce
  size_t anonymous_used_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_prune_ms_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace mend::server

#endif  // MEND_SERVER_AUTHENTICATOR_H_
