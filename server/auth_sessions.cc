#include "server/auth_sessions.h"

#include "crypto/bytes.h"
#include "crypto/grant.h"
#include "crypto/hash.h"
#include "crypto/identity.h"

namespace mend::server {
namespace {

constexpr size_t kNonceBytes = 32;
constexpr size_t kTokenBytes = 32;
constexpr size_t kMaxOutstanding = 100000;

}  // namespace

void AuthSessions::DropExpiredLocked(int64_t now) {
  std::erase_if(challenges_, [&](const auto& kv) { return kv.second.expires_unix_ms <= now; });
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.expires_unix_ms <= now; });
}

AuthSessions::Challenge AuthSessions::IssueChallenge(const std::string& member) {
  const int64_t now = clock_();
  Challenge c{crypto::RandomBytes(kNonceBytes), now + limits_.challenge_ttl_ms};
  std::lock_guard lock(mu_);
  if (challenges_.size() > kMaxOutstanding) DropExpiredLocked(now);
  challenges_[c.nonce] = {member, c.expires_unix_ms};
  return c;
}

absl::StatusOr<AuthSessions::Token> AuthSessions::Login(const std::string& member,
                                                        const std::string& nonce,
                                                        const std::string& signature) {
  const int64_t now = clock_();
  {
    std::lock_guard lock(mu_);
    auto it = challenges_.find(nonce);
    if (it == challenges_.end()) {
      return absl::UnauthenticatedError("unknown, used or expired challenge");
    }
    PendingChallenge pending = it->second;
    challenges_.erase(it);  // single use, whatever the outcome
    if (pending.expires_unix_ms <= now) return absl::UnauthenticatedError("expired challenge");
    if (!crypto::ConstantTimeEquals(pending.member, member)) {
      return absl::UnauthenticatedError("challenge was issued to another member");
    }
  }
  if (!crypto::VerifySignature(member, crypto::LoginSignatureInput(server_id_, nonce), signature)) {
    return absl::UnauthenticatedError("login signature does not verify");
  }
  Token t{crypto::ToHex(crypto::RandomBytes(kTokenBytes)), now + limits_.token_ttl_ms};
  std::lock_guard lock(mu_);
  if (sessions_.size() > kMaxOutstanding) DropExpiredLocked(now);
  sessions_[crypto::Blake2b256({t.token})] = {member, t.expires_unix_ms};
  return t;
}

absl::StatusOr<std::string> AuthSessions::Authenticate(const std::string& token) {
  const std::string hash = crypto::Blake2b256({token});
  const int64_t now = clock_();
  std::lock_guard lock(mu_);
  auto it = sessions_.find(hash);
  // The map lookup is by hash of the token, so its timing reveals nothing
  // usable about the token; the final comparison is constant-time anyway.
  if (it == sessions_.end() || !crypto::ConstantTimeEquals(it->first, hash)) {
    return absl::UnauthenticatedError("unknown token");
  }
  if (it->second.expires_unix_ms <= now) {
    sessions_.erase(it);
    return absl::UnauthenticatedError("expired token");
  }
  return it->second.member;
}

}  // namespace mend::server
