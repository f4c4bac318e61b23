// libFuzzer: arbitrary bytes as a wire Entry, through header parsing, opening
// and chain verification. Must never crash, leak or read out of bounds.
#include <cstddef>
#include <cstdint>

#include "crypto/chain_verifier.h"
#include "crypto/init.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool ready = mend::crypto::Initialize().ok();
  (void)ready;
  static const std::string couple_id(16, '\x40');
  static mend::crypto::KeyRing* keys = [] {
    auto* k = new mend::crypto::KeyRing();
    (*k)[0] = mend::crypto::SecretBytes::CopyOf(std::string(32, '\x50'));
    return k;
  }();
  mend::v1::Entry entry;
  if (!entry.ParseFromArray(data, static_cast<int>(size))) return 0;
  mend::v1::EntryHeader header;
  if (!mend::crypto::ParseHeader(entry, 1, &header)) {
    mend::crypto::OpenedEntry opened;
    (void)mend::crypto::OpenEntry(entry, header, *keys, nullptr, &opened);
  }
  mend::crypto::ChainContext ctx{
      couple_id, {header.author()}, keys, {0, mend::crypto::GenesisPrevHash(couple_id)}};
  std::vector<mend::v1::Entry> entries{entry, entry};
  (void)mend::crypto::VerifyChain(ctx, entries);
  return 0;
}
