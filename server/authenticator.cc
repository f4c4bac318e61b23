#include "server/authenticator.h"

#include "base/big_endian.h"
#include "base/hex.h"
#include "base/status_macros.h"
#include "crypto/bytes.h"
#include "crypto/grant.h"
#include "crypto/hash.h"
#include "crypto/identity.h"
#include "fmt/format.h"

namespace mend::server {
namespace {

constexpr size_t kRandomBytes = 8;
constexpr size_t kChallengeMacBytes = 16;
constexpr size_t kMemberBytes = 32;
constexpr size_t kTokenMacBytes = 32;
constexpr std::string_view kTokenPrefix = "mt1.";

crypto::SecretBytes SubKey(const crypto::SecretBytes& key, std::string_view label) {
  return crypto::SecretBytes::CopyOf(crypto::Blake2bKeyed(32, key.view(), {label}));
}

std::string U64(int64_t v) {
  std::string out;
  base::AppendU64(&out, static_cast<uint64_t>(v));
  return out;
}

}  // namespace

Authenticator::Authenticator(const std::string& server_id, const crypto::SecretBytes& auth_key,
                             const ServerLimits& limits, Clock clock, ClaimNonce claim)
    : server_id_(server_id),
      claim_(std::move(claim)),
      challenge_key_(SubKey(auth_key, "mend challenge key v1")),
      token_key_(SubKey(auth_key, "mend token key v1")),
      limits_(limits),
      clock_(std::move(clock)),
      member_logins_(limits.login_rate_per_second, limits.login_burst, limits.max_rate_keys,
                     clock_) {}

std::string Authenticator::ChallengeMac(const std::string& member, std::string_view random,
                                        std::string_view expiry) const {
  return crypto::Blake2bKeyed(kChallengeMacBytes, challenge_key_.view(),
                              {"mend challenge v1", server_id_, member, random, expiry});
}

std::string Authenticator::TokenMac(std::string_view member, std::string_view expiry) const {
  return crypto::Blake2bKeyed(kTokenMacBytes, token_key_.view(),
                              {"mend token v1", server_id_, member, expiry});
}

Authenticator::Challenge Authenticator::IssueChallenge(const std::string& member) {
  const int64_t expires = clock_() + limits_.challenge_ttl_ms;
  const std::string random = crypto::RandomBytes(kRandomBytes);
  const std::string expiry = U64(expires);
  return {random + expiry + ChallengeMac(member, random, expiry), expires};
}

absl::StatusOr<Authenticator::Token> Authenticator::Login(const std::string& member,
                                                          const std::string& nonce,
                                                          const std::string& signature,
                                                          bool known_member) {
  ASSIGN_OR_RETURN(const int64_t expires, CheckChallenge(member, nonce));
  const int64_t now = clock_();
  if (!crypto::VerifySignature(member, crypto::LoginSignatureInput(server_id_, nonce), signature)) {
    return absl::UnauthenticatedError("login signature does not verify");
  }
  {
    // A replay is refused before it can spend the member's budget: whoever
    // captured one login must not be able to lock its member out with it.
    std::lock_guard lock(mu_);
    if (used_.count(nonce)) return absl::UnauthenticatedError("challenge already used");
  }
  if (known_member && !member_logins_.Allow(member)) {
    return absl::ResourceExhaustedError("too many logins for this member; wait a minute and retry");
  }
  RETURN_IF_ERROR(Use(nonce, expires, known_member));
  const int64_t token_expires = now + limits_.token_ttl_ms;
  const std::string token_expiry = U64(token_expires);
  return Token{std::string(kTokenPrefix) +
                   base::ToHex(member + token_expiry + TokenMac(member, token_expiry)),
               token_expires};
}

absl::StatusOr<int64_t> Authenticator::CheckChallenge(const std::string& member,
                                                      const std::string& nonce) const {
  if (member.size() != kMemberBytes || nonce.size() != kRandomBytes + 8 + kChallengeMacBytes) {
    return absl::UnauthenticatedError("malformed challenge response");
  }
  const std::string_view random = std::string_view(nonce).substr(0, kRandomBytes);
  const std::string_view expiry = std::string_view(nonce).substr(kRandomBytes, 8);
  const std::string_view mac = std::string_view(nonce).substr(kRandomBytes + 8);
  if (!crypto::ConstantTimeEquals(mac, ChallengeMac(member, random, expiry))) {
    return absl::UnauthenticatedError("challenge was not issued by this server to this member");
  }
  const int64_t expires = static_cast<int64_t>(base::ReadU64(expiry));
  if (expires <= clock_()) return absl::UnauthenticatedError("expired challenge");
  return expires;
}

absl::Status Authenticator::VerifyDestructiveCall(std::string_view label, const std::string& member,
                                                  const std::string& couple_id,
                                                  const std::string& nonce,
                                                  const std::string& signature) {
  ASSIGN_OR_RETURN(const int64_t expires, CheckChallenge(member, nonce));
  if (signature.size() != 64 ||
      !crypto::VerifySignature(
          member, crypto::DestructiveCallSignatureInput(label, server_id_, couple_id, nonce),
          signature)) {
    return absl::UnauthenticatedError(fmt::format(
        "this call needs a fresh signature by the member over \"{}\" (a token alone is not enough)",
        label));
  }
  return Use(nonce, expires, /*known_member=*/true);
}

absl::Status Authenticator::Use(const std::string& nonce, int64_t expires_unix_ms,
                                bool known_member) {
  bool full = false;
  if (!MarkUsed(nonce, expires_unix_ms, known_member, &full)) {
    if (full)
      return absl::ResourceExhaustedError(
          "the server is handling too many logins; retry in a minute");
    return absl::UnauthenticatedError("challenge already used");
  }
  if (claim_) {
    ASSIGN_OR_RETURN(bool fresh, claim_(nonce, expires_unix_ms));
    if (!fresh) return absl::UnauthenticatedError("challenge already used");
  }
  return absl::OkStatus();
}

bool Authenticator::MarkUsed(const std::string& nonce, int64_t expires_unix_ms, bool known_member,
                             bool* full) {
  const int64_t now = clock_();
  std::lock_guard lock(mu_);
  if (used_.size() >= limits_.max_used_nonces &&
      (now - last_prune_ms_ >= 1000 || now < last_prune_ms_)) {
    last_prune_ms_ = now;
    std::erase_if(used_, [&](const auto& kv) {
      if (kv.second.expires_unix_ms > now) return false;
      if (!kv.second.known_member) --anonymous_used_;
      return true;
    });
  }
  if (used_.count(nonce)) return false;
  // Anonymous logins share one bounded pool. A member's logins are bounded
  // by its own budget (login_burst + a minute of login_rate), so one
  // member's logins crowd out nobody else's, and their total is bounded by
  // the number of members, which registration controls.
  if (!known_member && anonymous_used_ >= limits_.max_used_nonces) {
    *full = true;
    return false;
  }
  used_.emplace(nonce, UsedNonce{expires_unix_ms, known_member});
  if (!known_member) ++anonymous_used_;
  return true;
}

absl::StatusOr<std::string> Authenticator::Authenticate(const std::string& token) const {
  constexpr size_t kBodyBytes = kMemberBytes + 8 + kTokenMacBytes;
  if (token.size() != kTokenPrefix.size() + 2 * kBodyBytes || token.rfind(kTokenPrefix, 0) != 0) {
    return absl::UnauthenticatedError("unknown token");
  }
  auto body = base::FromHex(std::string_view(token).substr(kTokenPrefix.size()));
  if (!body || body->size() != kBodyBytes) return absl::UnauthenticatedError("unknown token");
  const std::string_view member = std::string_view(*body).substr(0, kMemberBytes);
  const std::string_view expiry = std::string_view(*body).substr(kMemberBytes, 8);
  const std::string_view mac = std::string_view(*body).substr(kMemberBytes + 8);
  if (!crypto::ConstantTimeEquals(mac, TokenMac(member, expiry)))
    return absl::UnauthenticatedError("unknown token");
  if (static_cast<int64_t>(base::ReadU64(expiry)) <= clock_())
    return absl::UnauthenticatedError("expired token");
  return std::string(member);
}

size_t Authenticator::used_nonces() {
  std::lock_guard lock(mu_);
  return used_.size();
}

}  // namespace mend::server
