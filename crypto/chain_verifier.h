// Verifies a run of entries against a known head: header, couple id, seq
// continuity, chain, membership and signature, in that order, stopping at the
// first entry that fails; then opens each with the key whose id the log
// announced for its epoch (an entry that cannot be opened is kept, marked
// unreadable: see OpenedEntry).
// Kind-specific rules (who may answer what) are the client fold's job.
#ifndef MEND_CRYPTO_CHAIN_VERIFIER_H_
#define MEND_CRYPTO_CHAIN_VERIFIER_H_

#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/entry_codec.h"

namespace mend::crypto {

struct ChainHead {
  uint64_t seq = 0;
  Bytes hash;  // for seq 0, GenesisPrevHash(couple_id)
};

struct ChainContext {
  Bytes couple_id;
  std::vector<Bytes> members;  // Ed25519 public keys allowed to author entries
  const KeyRing* keys = nullptr;
  ChainHead head;  // last verified position
  // Entries with seq <= this were verified on this device before, and the
  // caller has proven that these are the very bytes it verified (the
  // client's replica anchor, PROTOCOL.md "Client files"): their signatures
  // are not checked again. Every other check still runs on them.
  uint64_t signatures_verified_through = 0;
  // Whether to open entries only with keys whose id the log announced. The
  // client always sets it (Session::ChainContextAt); off, any key held for an
  // epoch is used: for tests of other layers, benchmarks and fuzzers whose
  // logs have no Genesis.
  bool check_key_ids = false;
  // The key ids announced by the entries up to `head` (empty at seq 0).
  KeyIds key_ids = {};
  // Called after each entry verifies, with how many have so far: for a
  // progress display on a long history. Optional.
  std::function<void(size_t verified)> on_verified = nullptr;
};

struct ChainResult {
  std::vector<OpenedEntry> entries;     // the verified prefix, in order
  ChainHead head;                       // head after the verified prefix
  KeyIds key_ids;                       // announced through the verified prefix
  std::optional<EntryFailure> failure;  // set when an entry failed
};

// REQUIRES: context.keys != nullptr.
ChainResult VerifyChain(const ChainContext& context, std::span<const mend::v1::Entry> entries);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_CHAIN_VERIFIER_H_
