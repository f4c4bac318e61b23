// libFuzzer: a sequence of payloads (length-prefixed) from two members folded
// into couple state; the rules must reject nonsense without crashing, and
// folding on from the facts of a prefix (what an open does with the facts
// file) must give the facts of the whole fold.
#include <cstddef>
#include <cstdint>

#include "client/state/facts.h"
#include "client/state/fold.h"
#include "client/state/obligations.h"
#include "client/views/talk.h"
#include "crypto/init.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool ready = mend::crypto::Initialize().ok();
  (void)ready;
  const std::string a(32, 'A'), b(32, 'S');
  std::vector<mend::crypto::OpenedEntry> entries;
  size_t at = 0;
  while (at + 2 <= size && entries.size() < 64) {
    size_t len = data[at] | (data[at + 1] & 0x0f) << 8;
    bool by_b = data[at + 1] & 0x80;
    at += 2;
    if (at + len > size) len = size - at;
    mend::crypto::OpenedEntry e;
    if (!e.payload.ParseFromArray(data + at, static_cast<int>(len))) break;
    at += len;
    e.header.set_seq(entries.size() + 1);
    e.header.set_author(by_b ? b : a);
    e.header.set_key_epoch(static_cast<uint32_t>(len % 3));
    e.payload.set_written_unix_ms(1767225600000 + static_cast<int64_t>(entries.size()) * 3600000);
    entries.push_back(std::move(e));
  }
  mend::client::CoupleState state = mend::client::Fold(entries);
  const size_t split = size > 0 ? data[size - 1] % (entries.size() + 1) : 0;
  std::vector<mend::crypto::OpenedEntry> prefix(entries.begin(), entries.begin() + split);
  auto restored = mend::client::StateFromFacts(mend::client::FactsOf(mend::client::Fold(prefix)));
  if (!restored.ok()) __builtin_trap();
  mend::client::FoldMore(*restored, std::span(entries).subspan(split), {});
  if (mend::client::FactsOf(*restored).SerializeAsString() !=
      mend::client::FactsOf(state).SerializeAsString()) {
    __builtin_trap();
  }
  (void)mend::client::Obligations(state, a, "2026-01-02", 1767312000000);
  (void)mend::client::BuildAgenda(state, b, "2025-12-29", 1767312000000);
  return 0;
}
