// The local log: the replica on disk, its anchor (a MAC that lets opening skip
// the signatures it already checked), and adopting verified entries, whether
// fetched by a sync, pushed by a watch or our own appended ones.
#include "base/big_endian.h"
#include "base/hex.h"
#include "base/status_macros.h"
#include "client/core/facts_file.h"
#include "client/core/local_mac.h"
#include "client/core/replica.h"
#include "client/core/session.h"
#include "client/core/verification_error.h"
#include "client/state/facts.h"
#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

constexpr std::string_view kReplicaAnchorLabel = "mend replica anchor v1";

}  // namespace

Bytes Session::ReplicaDigest(uint64_t seq) {
  // A chain over every byte of every entry, signatures included, so that a
  // save extends it by the new entries instead of hashing the history again.
  // REQUIRES: base_.seq <= seq (SaveState checks): entries before the base
  // are not held, and the cache starts at the base.
  if (digest_seq_ > seq) {
    // Not reached (the verified head never moves back); with only the entries
    // after the base held, the digest cannot be recomputed: an empty one
    // gives an anchor that never matches, and the next load checks every
    // signature.
    if (base_.seq > 0) return {};
    digest_seq_ = 0;
    digest_.clear();
    digest_bytes_ = Replica::HeaderBytes();
  }
  for (; digest_seq_ < seq; ++digest_seq_) {
    Bytes bytes = raw_[digest_seq_ - base_.seq].SerializeAsString();
    Bytes len;
    base::AppendU64(&len, bytes.size());
    digest_ = crypto::Blake2b256({digest_, len, bytes});
    digest_bytes_ += Replica::RecordBytes(bytes.size());
  }
  return digest_;
}

Bytes Session::ReplicaAnchor(uint64_t seq, const Bytes& hash) {
  Bytes digest = ReplicaDigest(seq);
  Bytes seq_bytes;
  base::AppendU64(&seq_bytes, seq);
  // Keyed with the identity seed: forging an anchor takes the passphrase.
  return crypto::Blake2bKeyed(crypto::kHashBytes, identity_.seed().view(),
                              {kReplicaAnchorLabel, state_.couple_id, seq_bytes, hash, digest});
}

crypto::ChainContext Session::ChainContextAt(const crypto::ChainHead& head) const {
  crypto::ChainContext c;
  c.couple_id = state_.couple_id;
  c.members = {state_.sign_pk};
  if (state_.partner) c.members.push_back(state_.partner->sign_pk);
  c.keys = &keys_.couple_keys;
  c.head = head;
  c.check_key_ids = true;
  c.key_ids = head.seq == 0 ? crypto::KeyIds{} : key_ids_;
  return c;
}

absl::Status Session::LoadLocal() {
  // A session that read its history keeps it (a new key may re-open entries).
  if (!whole_replica_read_ && LoadFromFacts().ok()) return absl::OkStatus();
  return LoadWholeReplica();
}

absl::Status Session::LoadHistory() {
  if (history_loaded()) return absl::OkStatus();
  return LoadWholeReplica();
}

absl::Status Session::LoadFromFacts() {
  // Nothing is taken from here unless all of it lines up; any failure leaves
  // LoadWholeReplica to read (and judge) the replica as a whole.
  if (state_.pairing != PairingState::kPaired || state_.verified_seq == 0)
    return absl::NotFoundError("no facts before the first entry");
  ASSIGN_OR_RETURN(mend::v1::FactsFile facts,
                   LoadFacts(profile_.facts_path(), facts_key_, state_.couple_id,
                             state_.verified_seq, state_.verified_hash));
  ASSIGN_OR_RETURN(CoupleState folded, StateFromFacts(facts.facts()));
  ASSIGN_OR_RETURN(std::vector<mend::v1::Entry> tail,
                   Replica(profile_.replica_path()).LoadFrom(facts.replica_offset()));
  const crypto::ChainHead base{facts.seq(), facts.hash()};
  key_ids_ = crypto::KeyIds(facts.key_ids().begin(), facts.key_ids().end());
  base_ = base;
  // Entries after the facts were written but not yet recorded as verified
  // (a crash between the two): checked in full, signatures included.
  crypto::ChainResult r = crypto::VerifyChain(ChainContextAt(base), tail);
  if (r.failure) {
    base_ = {};
    return absl::DataLossError("the replica after the facts does not verify");
  }
  // Only the sightings since: those before are of entries folded into the
  // facts, which need them no more (a sealed reflection without one counts
  // as seen long ago, as it was).
  ASSIGN_OR_RETURN(first_seen_, LoadFirstSeenFrom(profile_.first_seen_path(), facts.seen_offset()));
  raw_ = std::move(tail);
  entries_ = std::move(r.entries);
  key_ids_ = std::move(r.key_ids);
  digest_ = facts.replica_digest();
  digest_seq_ = facts.seq();
  digest_bytes_ = facts.replica_offset();
  couple_ = std::move(folded);
  FoldMore(couple_, entries_, {&first_seen_, clock_()});
  signatures_checked_on_load_ = raw_.size();
  entries_read_on_load_ = raw_.size();
  return absl::OkStatus();
}

absl::Status Session::LoadWholeReplica() {
  whole_replica_read_ = true;
  entries_.clear();
  raw_.clear();
  key_ids_.clear();
  base_ = {};
  digest_seq_ = 0;
  digest_.clear();
  digest_bytes_ = Replica::HeaderBytes();
  couple_ = CoupleState();
  if (state_.pairing != PairingState::kPaired) return absl::OkStatus();
  ASSIGN_OR_RETURN(raw_, Replica(profile_.replica_path()).Load());
  crypto::ChainContext context = ChainContextAt({0, crypto::GenesisPrevHash(state_.couple_id)});
  const uint64_t anchored = state_.verified_seq;
  if (anchored > 0 && raw_.size() >= anchored && !state_.replica_anchor.empty() &&
      crypto::ConstantTimeEquals(ReplicaAnchor(anchored, state_.verified_hash),
                                 state_.replica_anchor)) {
    context.signatures_verified_through = anchored;
  }
  if (progress_) {
    context.on_verified = [this, total = raw_.size()](size_t verified) {
      progress_({Progress::Work::kVerifying, verified, total});
    };
  }
  signatures_checked_on_load_ = raw_.size() - context.signatures_verified_through;
  entries_read_on_load_ = raw_.size();
  crypto::ChainResult r = crypto::VerifyChain(context, raw_);
  if (r.failure) {
    return VerificationError(
        fmt::format("the local replica does not verify: {}", r.failure->Message()));
  }
  if (context.signatures_verified_through > 0 &&
      r.entries[anchored - 1].hash != state_.verified_hash) {
    return VerificationError(
        fmt::format("the local replica's entry {} is not the one verified before", anchored));
  }
  entries_ = std::move(r.entries);
  key_ids_ = std::move(r.key_ids);
  ASSIGN_OR_RETURN(first_seen_, LoadFirstSeen(profile_.first_seen_path()));
  couple_ = Fold(entries_, {&first_seen_, clock_()});
  return CheckGenesis();
}

void Session::SaveFacts() {
  // Only at the verified head, and only while every entry held could be
  // read: facts folded without an unreadable entry's effect would outlive
  // the key that later opens it.
  if (state_.pairing != PairingState::kPaired || state_.verified_seq == 0 ||
      head().seq != state_.verified_seq || digest_seq_ != state_.verified_seq)
    return;
  for (const auto& e : entries_) {
    if (!e.unreadable.empty()) return;
  }
  mend::v1::FactsFile facts;
  facts.set_seq(state_.verified_seq);
  facts.set_hash(state_.verified_hash);
  facts.set_replica_offset(digest_bytes_);
  facts.set_replica_digest(digest_);
  for (const auto& [epoch, id] : key_ids_) (*facts.mutable_key_ids())[epoch] = id;
  *facts.mutable_facts() = FactsOf(couple_);
  facts.set_seen_offset(FirstSeenBytes(profile_.first_seen_path()));
  // A cache: when it cannot be written, the next open reads the whole replica.
  (void)client::SaveFacts(profile_.facts_path(), facts_key_, state_.couple_id, facts);
}

absl::Status Session::CheckGenesis() const {
  // Entry 1 was checked when it was adopted; an open from the facts file
  // does not hold it.
  if (entries_.empty() || base_.seq != 0 || !state_.partner) return absl::OkStatus();
  const auto& p = entries_.front().payload;
  if (!p.has_genesis()) return VerificationError("entry 1 is not a Genesis");
  const Bytes& expected_author = state_.inviter ? state_.sign_pk : state_.partner->sign_pk;
  if (entries_.front().header.author() != expected_author) {
    return VerificationError("entry 1 was not written by the partner who made the invite");
  }
  const auto& g = p.genesis();
  const Bytes& inviter = state_.inviter ? state_.sign_pk : state_.partner->sign_pk;
  const Bytes& joiner = state_.inviter ? state_.partner->sign_pk : state_.sign_pk;
  const Bytes& joiner_box = state_.inviter ? state_.partner->box_pk : state_.box_pk;
  const Bytes& inviter_box = state_.inviter ? state_.box_pk : state_.partner->box_pk;
  if (g.couple_id() != state_.couple_id || g.inviter().sign_pk() != inviter ||
      g.joiner().sign_pk() != joiner || g.inviter().box_pk() != inviter_box ||
      g.joiner().box_pk() != joiner_box || g.transcript_hash() != state_.transcript_hash) {
    return VerificationError(
        "the Genesis entry does not name the keys exchanged at pairing; someone substituted a key");
  }
  return absl::OkStatus();
}

absl::Status Session::AdoptVerified(const std::vector<mend::v1::Entry>& fresh, size_t* adopted) {
  const crypto::ChainHead local = head();
  crypto::ChainResult r = crypto::VerifyChain(ChainContextAt(local), fresh);
  if (r.failure) {
    if (r.failure->seq == local.seq + 1 && r.failure->check == crypto::EntryCheck::kChain) {
      return VerificationError(
          fmt::format("fork: the server's entry {} does not follow the entry {} this device "
                      "verified (hash {}); "
                      "the server is showing a different history",
                      local.seq + 1, local.seq, base::ToHex(local.hash)));
    }
    return VerificationError(
        fmt::format("the server sent an entry that does not verify: {}", r.failure->Message()));
  }
  // A device that lost the tail of its replica still remembers the verified head.
  for (const auto& e : r.entries) {
    if (e.header.seq() == state_.verified_seq && e.hash != state_.verified_hash) {
      return VerificationError(
          fmt::format("fork: entry {} now has hash {}, but this device verified hash {} before",
                      state_.verified_seq, base::ToHex(e.hash), base::ToHex(state_.verified_hash)));
    }
  }
  // Extended in place (copying the whole history made every append cost
  // O(history)) and cut back if Genesis or the replica write fails.
  const size_t kept = entries_.size();
  const crypto::OpenedEntry* before = entries_.data();
  for (auto& e : r.entries) entries_.push_back(std::move(e));
  if (entries_.data() != before) {
    // The vector grew elsewhere: the folded entries point into it.
    for (size_t i = 0; i < couple_.entries.size() && i < kept; ++i)
      couple_.entries[i].entry = &entries_[i];
  }
  // Genesis must match pairing before anything is kept.
  absl::Status stored = CheckGenesis();
  if (stored.ok()) stored = Replica(profile_.replica_path()).Append(fresh);
  if (!stored.ok()) {
    entries_.resize(kept);
    return stored;
  }
  raw_.insert(raw_.end(), fresh.begin(), fresh.end());
  key_ids_ = std::move(r.key_ids);
  std::vector<std::pair<uint64_t, int64_t>> seen = std::move(unsaved_first_seen_);
  unsaved_first_seen_.clear();
  const int64_t now = clock_();
  for (size_t i = kept; i < entries_.size(); ++i) {
    if (first_seen_.emplace(entries_[i].header.seq(), now).second)
      seen.emplace_back(entries_[i].header.seq(), now);
  }
  // The entries are in the replica already: a sighting the file refuses is
  // kept for the next write rather than failing (and half-finishing) the
  // adoption. Lost only if this process ends first, as in a crash.
  if (!AppendFirstSeen(profile_.first_seen_path(), seen).ok())
    unsaved_first_seen_ = std::move(seen);
  // Only the new entries are folded: appending costs O(new entries), not
  // O(history). The fold is a function of the entries in order, so extending
  // it gives the state a whole fold would.
  if (couple_.entries.size() == kept) {
    FoldMore(couple_, std::span<const crypto::OpenedEntry>(entries_).subspan(kept),
             {&first_seen_, now});
  } else {
    couple_ = Fold(entries_, {&first_seen_, now});
  }
  if (!entries_.empty() && entries_.back().header.seq() >= state_.verified_seq) {
    state_.verified_seq = entries_.back().header.seq();
    state_.verified_hash = entries_.back().hash;
  }
  *adopted = fresh.size();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<const crypto::OpenedEntry*>> Session::AcceptWatched(
    const std::vector<mend::v1::Entry>& raw) {
  size_t before = entries_.size();
  std::vector<mend::v1::Entry> fresh;
  for (const auto& e : raw) {
    mend::v1::EntryHeader h;
    if (h.ParseFromString(e.header()) && h.seq() <= head().seq) continue;  // already have it
    fresh.push_back(e);
  }
  size_t adopted = 0;
  RETURN_IF_ERROR(AdoptVerified(fresh, &adopted));
  RETURN_IF_ERROR(SaveState());
  std::vector<const crypto::OpenedEntry*> out;
  for (size_t i = before; i < entries_.size(); ++i) out.push_back(&entries_[i]);
  return out;
}

}  // namespace mend::client
