// Couples and their membership: creation with a registration code, invites,
// joining, confirmation, key grants, leaving and purging. The domain code
// behind the Pairing and Couple services; every method takes the
// authenticated caller's member id and checks what that caller may do.
// Thread-safe: metadata changes of one couple are serialized by its lock.
// Every method checks the lengths of what it is given, and the caller's
// membership where one is needed, before it takes a lock or writes.
#ifndef MEND_SERVER_REGISTRY_H_
#define MEND_SERVER_REGISTRY_H_

#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/clock.h"
#include "server/couple_locks.h"
#include "server/limits.h"
#include "server/log_store.h"

namespace mend::server {

enum class RegistrationMode { kOpen, kCode };

class Registry {
 public:
  Registry(LogStore* store, CoupleLocks* locks, const ServerLimits& limits, RegistrationMode mode,
           Clock clock)
      : store_(store), locks_(locks), limits_(limits), mode_(mode), clock_(std::move(clock)) {}

  absl::Status CreateCouple(const Bytes& caller, const Bytes& couple_id, const Bytes& box_pk,
                            const std::string& registration_code);
  absl::StatusOr<int64_t> PostInvite(const Bytes& caller, const Bytes& couple_id,
                                     const Bytes& invite_id, const Bytes& offer_ct,
                                     uint32_t ttl_seconds);
  absl::StatusOr<mend::v1::InviteRecord> GetInvite(const Bytes& invite_id);
  absl::StatusOr<Bytes> JoinCouple(const Bytes& caller, const Bytes& invite_id, const Bytes& box_pk,
                                   const Bytes& answer_ct);
  absl::StatusOr<mend::v1::GetJoinResponse> GetJoin(const Bytes& caller, const Bytes& couple_id);
  absl::Status ConfirmMember(const Bytes& caller, const Bytes& couple_id, const Bytes& member);
  // Removes the pending joiner `member` (creator only); frees their identity to join again.
  absl::Status RejectPending(const Bytes& caller, const Bytes& couple_id, const Bytes& member);
  // Stores `grants` (one epoch, distinct members) all or none; each (epoch,
  // member) takes one grant ever (ALREADY_EXISTS after).
  absl::Status PutGrants(const Bytes& caller, const Bytes& couple_id,
                         const std::vector<mend::v1::KeyGrant>& grants);
  absl::StatusOr<std::vector<mend::v1::KeyGrant>> GetGrants(const Bytes& caller,
                                                            const Bytes& couple_id);
  absl::StatusOr<mend::v1::CoupleRecord> GetCouple(const Bytes& caller, const Bytes& couple_id);
  // The caller's couple and state; an empty answer when it belongs to none
  // (never joined, turned away, or its couple was purged).
  absl::StatusOr<mend::v1::GetMembershipResponse> GetMembership(const Bytes& caller);
  absl::Status Leave(const Bytes& caller, const Bytes& couple_id);
  absl::StatusOr<uint64_t> Purge(const Bytes& caller, const Bytes& couple_id);

  // A fresh one-time registration code (stored only as a hash).
  absl::StatusOr<std::string> NewRegistrationCode();
  // Purges couples closed longer than limits.purge_closed_after_ms. Returns how many.
  absl::StatusOr<size_t> PurgeExpiredClosedCouples();
  // Deletes expired invites (a couple's own list is trimmed when it next posts one).
  absl::StatusOr<uint64_t> DeleteExpiredInvites();

  // InvalidArgument unless `couple_id` has the right length: every call that
  // names a couple checks this before it reads, locks or allocates anything.
  static absl::Status CheckCoupleId(const Bytes& couple_id);

  // The caller's couple record when the caller is a member of `couple_id` in
  // one of the allowed states; PermissionDenied otherwise (no detail leaks).
  absl::StatusOr<mend::v1::CoupleRecord> MemberRecord(const Bytes& caller, const Bytes& couple_id,
                                                      bool allow_left);
  // The same check on a record already read (`nullopt`: no such couple).
  static absl::StatusOr<mend::v1::CoupleRecord> MemberRecordOf(
      std::optional<mend::v1::CoupleRecord> record, const Bytes& caller, bool allow_left);

 private:
  LogStore* const store_;
  CoupleLocks* const locks_;
  const ServerLimits limits_;
  const RegistrationMode mode_;
  const Clock clock_;
  // Held around every change to the member index and registration codes
  // (create, join, purge): one code makes one couple, one identity is in one
  // couple. Rare calls; taken before a couple lock, never after.
  std::mutex membership_mu_;
};

}  // namespace mend::server

#endif  // MEND_SERVER_REGISTRY_H_
