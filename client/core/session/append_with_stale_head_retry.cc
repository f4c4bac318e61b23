// Appending: the rules checked on the folded state, the entry sealed on the
// known head, and the stale-head retry: when the partner wrote first, sync,
// re-check and rebuild on the new head, a bounded number of times.
#include "base/status_macros.h"
#include "client/core/problem.h"
#include "client/core/session.h"
#include "client/core/session/internal.h"
#include "crypto/bytes.h"
#include "crypto/grant.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

constexpr int kAppendAttempts = 6;

}  // namespace

absl::StatusOr<uint64_t> Session::Append(const mend::v1::Payload& payload) {
  RETURN_IF_ERROR(NotPaired(state_));
  // Leaving needs nobody's confirmation; everything else waits for the people.
  if (!payload.has_leave()) RETURN_IF_ERROR(CheckSafetyNumberConfirmed());
  if (head().seq == 0 || !couple_.joined) {
    RETURN_IF_ERROR(Sync().status());
    if (!couple_.joined) {
      return WithProblem(absl::FailedPreconditionError("pairing is not finished"),
                         Problem::kPairingUnfinished);
    }
  }
  return AppendAt(payload, std::nullopt);
}

absl::StatusOr<uint64_t> Session::AppendAt(const mend::v1::Payload& payload,
                                           std::optional<uint32_t> fixed_epoch) {
  ASSIGN_OR_RETURN(Connection * conn, connection());
  {
    // proto3 strings must be UTF-8: an entry the partner cannot parse would
    // look like tampering on their side, so refuse it here.
    mend::v1::Payload round_trip;
    if (!round_trip.ParseFromString(payload.SerializeAsString())) {
      return absl::InvalidArgumentError("text must be valid UTF-8; check the input's encoding");
    }
  }
  bool synced_for_rules = false;
  bool regranted = false;
  for (int attempt = 0; attempt < kAppendAttempts; ++attempt) {
    const uint32_t epoch = fixed_epoch.value_or(CurrentEpoch());
    const bool genesis = payload.has_genesis();
    if (!keys_.couple_keys.count(epoch)) {
      return WithProblem(
          absl::FailedPreconditionError(fmt::format(
              "you hold no key for epoch {}: your partner's grant of it has not reached you",
              epoch)),
          Problem::kNoKeyForEpoch);
    }
    if (!genesis && !HoldsAnnouncedKey(epoch)) {
      return WithProblem(
          absl::FailedPreconditionError(fmt::format(
              "the key you were granted for epoch {} is not the key the log announces for it",
              epoch)),
          Problem::kKeyNotAnnounced);
    }
    const crypto::ChainHead at = head();
    absl::Status rules = CheckRules(couple_, identity_.sign_pk(), at.seq + 1, payload, epoch);
    if (!rules.ok()) {
      // The entry may refer to something the partner wrote since our last sync.
      if (synced_for_rules) return rules;
      synced_for_rules = true;
      RETURN_IF_ERROR(Sync().status());
      continue;
    }
    crypto::EntryPosition pos{state_.couple_id, at.seq + 1, at.hash, epoch, clock_()};
    ASSIGN_OR_RETURN(mend::v1::Entry entry,
                     crypto::SealEntry(pos, payload, identity_, keys_.couple_keys.at(epoch)));
    std::optional<mend::v1::Head> stale;
    auto appended = conn->Append(entry, &stale);
    if (appended.ok()) {
      size_t adopted = 0;
      RETURN_IF_ERROR(AdoptVerified({entry}, &adopted));
      RETURN_IF_ERROR(SaveState());
      return at.seq + 1;
    }
    if (!stale) {
      // The server takes appends under an epoch only once every member has
      // its grant: a rotation interrupted between its grants can be resumed
      // by whoever holds the key.
      if (absl::IsFailedPrecondition(appended.status()) && !regranted && epoch > 0 &&
          state_.partner) {
        regranted = true;
        ASSIGN_OR_RETURN(auto grant, MakeGrant(epoch, *state_.partner));
        absl::Status put = conn->PutGrant(state_.couple_id, grant);
        if (put.ok() || absl::IsAlreadyExists(put)) continue;
      }
      return appended.status();
    }
    // Someone wrote first: catch up, re-check the rules, rebuild with a fresh nonce.
    RETURN_IF_ERROR(Sync().status());
  }
  return absl::AbortedError("the log kept moving while appending; try again");
}

bool Session::HoldsAnnouncedKey(uint32_t epoch) const {
  auto key = keys_.couple_keys.find(epoch);
  auto id = key_ids_.find(epoch);
  return key != keys_.couple_keys.end() && id != key_ids_.end() &&
         crypto::ConstantTimeEquals(crypto::KeyId(key->second), id->second);
}

std::optional<uint32_t> Session::NewestHeldEpoch(uint32_t at_most) const {
  for (auto it = key_ids_.rbegin(); it != key_ids_.rend(); ++it) {
    if (it->first <= at_most && HoldsAnnouncedKey(it->first)) return it->first;
  }
  return std::nullopt;
}

}  // namespace mend::client
