// Server limits and timings. Spec constants (sizes both sides must agree on)
// live in PROTOCOL.md; these are the server's own policy, settable by config.
// Every limit exists so that no client, authenticated or not, can make mendd
// grow without bound: SECURITY.md ("A hostile client") says which bounds what.
#ifndef MEND_SERVER_LIMITS_H_
#define MEND_SERVER_LIMITS_H_

#include <cstdint>

namespace mend::server {

struct ServerLimits {
  uint32_t max_entry_bytes = 64 * 1024;        // a serialized Entry
  uint32_t max_request_bytes = 256 * 1024;     // any request message
  uint32_t max_pairing_blob_bytes = 4 * 1024;  // offer_ct / answer_ct
  double append_rate_per_second = 20;          // per member, sustained
  double append_burst = 200;                   // per member
  double member_rate_per_second = 10;          // per member, every other authenticated call
  double member_burst = 100;
  double pairing_rate_per_second =
      2;  // per client address, unauthenticated and pre-membership calls
  double pairing_burst = 20;
  double login_rate_per_second = 1;  // per known member, successful logins
  double login_burst = 60;
  uint32_t max_invite_ttl_seconds = 24 * 3600;
  uint32_t min_invite_ttl_seconds = 60;
  int64_t challenge_ttl_ms = 60 * 1000;
  int64_t token_ttl_ms = 3600 * 1000;
  uint32_t max_fetch_page = 1000;                   // entries per store read
  uint32_t max_fetch_page_bytes = 4 * 1024 * 1024;  // bytes per store read (at least one entry)
  uint32_t max_watchers_per_couple = 8;
  uint32_t max_watchers = 10000;                       // the whole server
  uint64_t couple_quota_bytes = 256ull * 1024 * 1024;  // stored entry bytes per couple
  uint32_t max_rate_keys = 65536;                      // buckets per rate limiter
  uint32_t max_used_nonces = 65536;  // logins remembered for replay (anonymous callers)
  int64_t purge_closed_after_ms = 30LL * 24 * 3600 * 1000;
};

}  // namespace mend::server

#endif  // MEND_SERVER_LIMITS_H_
