// Server limits and timings. Spec constants (sizes both sides must agree on)
// live in PROTOCOL.md; these are the server's own policy, settable by config.
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
  double pairing_rate_per_second = 2;          // per peer address, pre-membership calls
  double pairing_burst = 20;
  uint32_t max_invite_ttl_seconds = 24 * 3600;
  uint32_t min_invite_ttl_seconds = 60;
  int64_t challenge_ttl_ms = 60 * 1000;
  int64_t token_ttl_ms = 3600 * 1000;
  uint32_t max_fetch_page = 1000;              // entries per Fetch call
  uint32_t max_watchers_per_couple = 8;
  int64_t purge_closed_after_ms = 30LL * 24 * 3600 * 1000;
};

}  // namespace mend::server

#endif  // MEND_SERVER_LIMITS_H_
