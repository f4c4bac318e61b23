#include "crypto/chain_verifier.h"

#include <algorithm>

#include "base/hex.h"
#include "crypto/grant.h"
#include "fmt/format.h"

namespace mend::crypto {

namespace {

// Genesis announces epoch 0's key id, and each KeyRotation to an epoch above
// every announced one announces that epoch's (the fold's rule, PROTOCOL.md).
void Announce(const OpenedEntry& e, KeyIds* ids) {
  if (!e.unreadable.empty()) return;
  if (e.header.seq() == 1 && e.payload.has_genesis()) {
    (*ids)[0] = e.payload.genesis().key_id();
  } else if (e.payload.has_key_rotation()) {
    const auto& r = e.payload.key_rotation();
    if (!ids->empty() && r.new_epoch() > ids->rbegin()->first && r.key_id().size() == kKeyIdBytes) {
      (*ids)[r.new_epoch()] = r.key_id();
    }
  }
}

}  // namespace

ChainResult VerifyChain(const ChainContext& context, std::span<const mend::v1::Entry> entries) {
  ChainResult result;
  result.head = context.head;
  result.key_ids = context.key_ids;
  for (const mend::v1::Entry& entry : entries) {
    const uint64_t expected = result.head.seq + 1;
    auto fail = [&](EntryCheck check, std::string detail) {
      result.failure = EntryFailure{expected, check, std::move(detail)};
      return result;
    };
    mend::v1::EntryHeader header;
    if (auto failure = ParseHeader(entry, expected, &header)) {
      result.failure = std::move(failure);
      return result;
    }
    if (header.couple_id() != context.couple_id) {
      return fail(EntryCheck::kCoupleId, "the entry belongs to another couple");
    }
    if (header.seq() != expected) {
      return fail(EntryCheck::kSequence,
                  fmt::format("expected seq {}, found seq {}", expected, header.seq()));
    }
    if (header.prev_hash() != result.head.hash) {
      return fail(EntryCheck::kChain, fmt::format("prev_hash {} is not the hash of entry {} ({})",
                                                  base::ToHex(header.prev_hash()), result.head.seq,
                                                  base::ToHex(result.head.hash)));
    }
    if (std::find(context.members.begin(), context.members.end(), header.author()) ==
        context.members.end()) {
      return fail(EntryCheck::kAuthor, fmt::format("author {} is not a member of this couple",
                                                   base::ToHex(header.author())));
    }
    OpenedEntry opened;
    if (auto failure = OpenEntry(entry, header, *context.keys,
                                 context.check_key_ids ? &result.key_ids : nullptr, &opened,
                                 expected > context.signatures_verified_through)) {
      result.failure = std::move(failure);
      return result;
    }
    Announce(opened, &result.key_ids);
    result.head = ChainHead{expected, opened.hash};
    result.entries.push_back(std::move(opened));
    if (context.on_verified) context.on_verified(result.entries.size());
  }
  return result;
}

}  // namespace mend::crypto
