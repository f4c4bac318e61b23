// Session: an unlocked profile and everything done with it: pairing, verified
// sync, appends on the known head, key rotation, leaving. The CLI commands are
// thin layers over this class; the end-to-end tests drive the CLI.
// Not thread-safe; one command uses one session.
//
// session.cc holds what the session owns (the unlocked identity and keys, the
// profile's files, the connection); each of its jobs is one file in
// client/core/session/: local_log (replica, anchor, adopting verified
// entries), pairing, sync (rollback and fork checks), append_with_stale_head_retry,
// key_grants (grants and rotation), reflections (sealed reflections and reveals).
#ifndef MEND_CLIENT_CORE_SESSION_H_
#define MEND_CLIENT_CORE_SESSION_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/core/connection.h"
#include "client/core/first_seen.h"
#include "client/core/profile.h"
#include "client/state/calendar.h"
#include "client/state/fold.h"
#include "crypto/chain_verifier.h"
#include "crypto/identity.h"
#include "crypto/key_file.h"

namespace mend::client {

// How far pairing has come: what is awaited, as facts (the CLI says what to do).
struct PairingProgress {
  enum class Step {
    kPaired,
    kAwaitingJoin,          // inviter: nobody has used the code yet
    kCompareSafetyNumber,   // inviter: someone joined; compare, then confirm or reject
    kAnswerTurnedAway,      // inviter: an answer that did not open or verify was refused
    kAwaitingConfirmation,  // joiner: the inviter has not confirmed us yet
    kTurnedAway,            // joiner: the inviter turned us away; the profile is unpaired again
  };
  Step step = Step::kPaired;
  // kCompareSafetyNumber: the name the joiner gave; kTurnedAway: the inviter's
  std::string partner_name;
  std::string why;  // kAnswerTurnedAway: what was wrong with the answer
  bool paired() const { return step == Step::kPaired; }
};

// How far a long piece of work has come, for a progress display: entries
// fetched and verified during a sync, or read and verified from the replica
// when the whole history is loaded. `done` reaches `total` when it ends well.
struct Progress {
  enum class Work { kFetching, kVerifying };
  Work work = Work::kFetching;
  uint64_t done = 0;
  uint64_t total = 0;
};
using ProgressReport = std::function<void(const Progress&)>;

struct SyncSummary {
  size_t new_entries = 0;
  uint64_t head_seq = 0;
  PairingProgress pairing;
};

class Session {
 public:
  // Creates a new profile with a fresh identity. Refuses to overwrite an
  // existing key file unless `force`.
  // `limits` are stored in the key file; the CLI always uses Moderate.
  static absl::Status Init(const Profile& profile, const std::string& name,
                           const ServerConfig& server, const crypto::SecretBytes& passphrase,
                           bool force, crypto::KdfLimits limits = crypto::KdfLimits::Moderate());
  // The checks Init and Open make first, for the CLI to make before it asks
  // for a passphrase: an existing profile is not overwritten unless `force`;
  // a missing one is named (Problem::kNoProfile).
  static absl::Status RefuseOverwrite(const Profile& profile, bool force);
  static absl::Status RequireProfile(const Profile& profile);
  // Unlocks the profile and verifies the local replica (no network).
  // `progress`, when given, hears of this open's work and of the session's later
  // syncs and history loads.
  static absl::StatusOr<std::unique_ptr<Session>> Open(const Profile& profile,
                                                       const crypto::SecretBytes& passphrase,
                                                       ProgressReport progress = nullptr);

  const ProfileState& state() const { return state_; }
  const crypto::Identity& identity() const { return identity_; }
  const Profile& profile() const { return profile_; }
  // The folded state. Its facts (members, commitments, triggers, ...) are
  // always whole; its `entries`, like entries(), are the whole history only
  // once it is loaded (history_loaded()): an open reads the facts file and
  // the replica entries after it, not the history before.
  const CoupleState& couple() const { return couple_; }
  const std::vector<crypto::OpenedEntry>& entries() const { return entries_; }
  bool history_loaded() const { return base_.seq == 0; }
  // Reads, verifies and folds the whole replica, for the commands that show
  // history (log, show, status, export, talk). O(history); a no-op once loaded.
  absl::Status LoadHistory();
  // When this device first saw each entry held (PROTOCOL.md "Time"): every
  // entry once the history is loaded, else those after the facts file.
  const FirstSeenTimes& first_seen() const { return first_seen_; }
  crypto::ChainHead head() const;
  // What the last load of the local log (at Open, or LoadHistory) cost, in
  // replica entries read, opened and folded (those after the facts file, or
  // all of them when it could not be used or the history was asked for), and
  // in signatures checked (those entries, less any the replica anchor
  // covers). PROTOCOL.md "Client files".
  uint64_t entries_read_on_load() const { return entries_read_on_load_; }
  uint64_t signatures_checked_on_load() const { return signatures_checked_on_load_; }
  absl::StatusOr<Connection*> connection();

  // Pairing. Invite returns the code to give the partner.
  absl::StatusOr<std::string> Invite(const std::string& registration_code, uint32_t ttl_seconds);
  absl::Status Join(const std::string& code);
  // The inviter's new code, for an invite nobody has completed (the old code
  // stays valid until it expires or is used).
  absl::StatusOr<std::string> Reinvite(uint32_t ttl_seconds);
  // The inviter turns away the joiner waiting for confirmation (a safety
  // number that did not match); Reinvite then gives a new code.
  absl::Status RejectPartner();
  // Moves pairing forward as far as the partner's progress allows; returns
  // what is still awaited.
  absl::StatusOr<PairingProgress> AdvancePairing();

  // Fetches grants and entries, verifies, stores. Verification failures are
  // VerificationError statuses and leave the replica untouched.
  absl::StatusOr<SyncSummary> Sync();
  // Checks the rules and appends on the known head, syncing and rebuilding on
  // a stale head (bounded retries). Returns the new entry's seq.
  absl::StatusOr<uint64_t> Append(const mend::v1::Payload& payload);
  absl::Status Rotate();
  absl::Status Leave(const std::string& reason);
  absl::StatusOr<uint64_t> Purge();
  // Records that the safety number matched. For the inviter this completes
  // pairing: the joiner is confirmed, granted the key, and the Genesis written.
  // No entry but Genesis, Joined and Leave is written before it.
  absl::Status ConfirmSafetyNumber();
  // Re-encrypts the key file under `passphrase` (a new salt; atomic replace).
  absl::Status ChangePassphrase(crypto::SecretBytes passphrase);
  // Where and how this profile reaches its server (config.toml, as verified).
  const ServerConfig& server() const { return server_; }
  // Points the profile at `server`: a new address, or another transport (TLS
  // with a private CA, after --insecure). The server there must answer with
  // this protocol and, once an id is pinned, with that id; nothing is changed
  // when it does not. The id is public, so this catches a mistyped address or
  // a server set up again, not an impostor: TLS is what authenticates the
  // server, and the log's signatures and chain what it serves.
  absl::Status MoveServer(const ServerConfig& server);
  // Set when Open gave an older profile's unauthenticated files their MACs.
  const std::string& adoption_note() const { return adoption_note_; }
  // Seals `answer` under a fresh key kept in the key file and appends it.
  absl::StatusOr<uint64_t> SealReflection(const std::string& prompt_id,
                                          const std::string& prompt_text,
                                          const std::string& answer);
  // Posts the Reveal of each of my sealed reflections whose prompt the partner has
  // also answered on the verified log; never earlier, and only where this
  // device first saw the partner's answer before `seen_before_ms`, so that a
  // Reveal never follows by moments the fetch that made it due. Sync passes
  // its own start (the reveal waits for the next sync); SealReflection passes the
  // moment before its append.
  absl::Status RevealPending(int64_t seen_before_ms);
  // Verifies and folds a run of entries pushed by Watch; returns them.
  absl::StatusOr<std::vector<const crypto::OpenedEntry*>> AcceptWatched(
      const std::vector<mend::v1::Entry>& raw);
  // The clock written into new entries' written_unix_ms and used as "now";
  // tests set it to write a history spread over weeks.
  void set_clock(std::function<int64_t()> clock) { clock_ = std::move(clock); }

 private:
  Session(Profile profile, crypto::SecretBytes passphrase, crypto::Identity identity,
          crypto::KeySecrets keys, ProfileState state, ServerConfig server,
          crypto::KdfLimits limits);

  // Loads the local log: from the facts file and the replica entries after
  // it, or, when that cannot be used, the whole replica.
  absl::Status LoadLocal();
  absl::Status LoadFromFacts();
  absl::Status LoadWholeReplica();
  // Writes the facts file at the verified head (a cache: failures are ignored).
  void SaveFacts();
  // The MAC over the verified head and replica entries 1..seq, and the
  // digest of those entries it covers (cached: saves extend it).
  // REQUIRES: raw_.size() >= seq.
  Bytes ReplicaAnchor(uint64_t seq, const Bytes& hash);
  Bytes ReplicaDigest(uint64_t seq);
  absl::Status SaveKeys();
  // Pins the server id at first contact; a different one later is refused.
  absl::Status PinServerId(const Bytes& id);
  absl::Status SaveState();
  absl::Status RefreshGrants();
  absl::StatusOr<mend::v1::KeyGrant> MakeGrant(uint32_t epoch, const Member& recipient) const;
  crypto::ChainContext ChainContextAt(const crypto::ChainHead& head) const;
  // Verifies `fresh` on top of the local chain and adopts it.
  absl::Status AdoptVerified(const std::vector<mend::v1::Entry>& fresh, size_t* adopted);
  absl::Status CheckGenesis() const;
  absl::Status CheckSafetyNumberConfirmed() const;
  // Opens and checks a pending join's answer; the joiner it names.
  absl::StatusOr<Member> OpenJoin(const mend::v1::GetJoinResponse& join) const;
  // The server no longer counts this waiting joiner a member: back to unpaired.
  absl::StatusOr<PairingProgress> ForgetTurnedAwayJoin();
  absl::Status CompletePairingAsInviter();
  absl::Status EnsureMembershipEntries();
  // Appends under `epoch`, or under the log's current epoch when nullopt
  // (looked up again after each sync, so a rotation that lands first is followed).
  absl::StatusOr<uint64_t> AppendAt(const mend::v1::Payload& payload,
                                    std::optional<uint32_t> epoch);
  uint32_t CurrentEpoch() const;
  // Whether this member holds the key the log announces for `epoch`.
  bool HoldsAnnouncedKey(uint32_t epoch) const;
  // The highest announced epoch up to `at_most` whose key this member holds.
  std::optional<uint32_t> NewestHeldEpoch(uint32_t at_most) const;

  Profile profile_;
  uint64_t signatures_checked_on_load_ = 0;
  uint64_t entries_read_on_load_ = 0;
  bool whole_replica_read_ = false;  // LoadLocal keeps to the whole replica once read
  // The head before the first entry held in raw_ and entries_: seq 0 when the
  // whole history is held, the facts file's head when an open started there.
  crypto::ChainHead base_;
  // ReplicaDigest's cache: the digest of replica entries 1..digest_seq_, and
  // the replica's size in bytes through that entry.
  uint64_t digest_seq_ = 0;
  Bytes digest_;
  uint64_t digest_bytes_ = 0;
  crypto::SecretBytes passphrase_;
  crypto::Identity identity_;
  crypto::KeySecrets keys_;
  ProfileState state_;
  std::function<int64_t()> clock_ = NowMs;
  ProgressReport progress_;        // optional
  bool revealing_ = false;         // RevealPending appends, and appends may sync
  crypto::KdfLimits kdf_limits_;   // as read from the key file, kept on rewrite
  crypto::SecretBytes local_key_;  // LocalFilesKey: the MACs of state.json and config.toml
  crypto::SecretBytes facts_key_;  // FactsKey: the sealed facts file
  ServerConfig server_;            // as read (and verified) at Open
  std::string adoption_note_;
  std::unique_ptr<Connection> connection_;
  std::vector<mend::v1::Entry> raw_;          // replica entries after base_
  std::vector<crypto::OpenedEntry> entries_;  // the same, verified and opened
  crypto::KeyIds key_ids_;                    // announced by entries_
  FirstSeenTimes first_seen_;
  // First sightings the `seen` file refused (a full disk): written with the
  // next ones, so that one failed write does not lose them for good.
  std::vector<std::pair<uint64_t, int64_t>> unsaved_first_seen_;
  CoupleState couple_;
};

}  // namespace mend::client

#endif  // MEND_CLIENT_CORE_SESSION_H_
