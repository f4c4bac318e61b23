// Login challenges and bearer tokens, in memory only (a restart logs everyone
// out, which is harmless: clients log in again). Tokens are kept only as
// BLAKE2b-256 hashes. Thread-safe.
#ifndef MEND_SERVER_AUTH_SESSIONS_H_
#define MEND_SERVER_AUTH_SESSIONS_H_

#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "server/clock.h"
#include "server/limits.h"

namespace mend::server {

class AuthSessions {
 public:
  AuthSessions(const std::string& server_id, const ServerLimits& limits, Clock clock)
      : server_id_(server_id), limits_(limits), clock_(std::move(clock)) {}

  struct Challenge {
    std::string nonce;
    int64_t expires_unix_ms;
  };
  // A fresh single-use nonce for `member`. REQUIRES: member is 32 bytes.
  Challenge IssueChallenge(const std::string& member);

  struct Token {
    std::string token;
    int64_t expires_unix_ms;
  };
  // Consumes the challenge and checks the signature. Unauthenticated on any failure.
  absl::StatusOr<Token> Login(const std::string& member, const std::string& nonce,
                              const std::string& signature);

  // The member a bearer token belongs to. Unauthenticated when unknown or expired.
  absl::StatusOr<std::string> Authenticate(const std::string& token);

 private:
  struct PendingChallenge {
    std::string member;
    int64_t expires_unix_ms;
  };
  struct Session {
    std::string member;
    int64_t expires_unix_ms;
  };
  void DropExpiredLocked(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string server_id_;
  const ServerLimits limits_;
  const Clock clock_;
  std::mutex mu_;
  std::unordered_map<std::string, PendingChallenge> challenges_ ABSL_GUARDED_BY(mu_);  // by nonce
  std::unordered_map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);  // by token hash
};

}  // namespace mend::server

#endif  // MEND_SERVER_AUTH_SESSIONS_H_
