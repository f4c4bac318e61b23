// Fixed identities, couple ids and keys shared by the crypto tests and the
// protocol vectors (PROTOCOL.md "Test vectors").
#ifndef MEND_TESTS_CRYPTO_TEST_IDENTITIES_H_
#define MEND_TESTS_CRYPTO_TEST_IDENTITIES_H_

#include <string>
#include <vector>

#include "crypto/chain_verifier.h"
#include "crypto/entry_codec.h"
#include "crypto/identity.h"

namespace mend::testing {

// n consecutive byte values starting at `first` (0x00 0x01 ... ).
inline std::string Counting(unsigned first, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>((first + i) & 0xff));
  return out;
}

inline crypto::Identity FixedIdentity(unsigned first) {
  return *crypto::Identity::FromSeed(crypto::SecretBytes::CopyOf(Counting(first, 32)));
}
inline crypto::Identity Alice() { return FixedIdentity(0x00); }
inline crypto::Identity Bob() { return FixedIdentity(0x20); }
inline std::string FixedCoupleId() { return Counting(0x40, 16); }
inline crypto::SecretBytes FixedCoupleKey() {
  return crypto::SecretBytes::CopyOf(Counting(0x50, 32));
}
inline std::string FixedNonce() { return Counting(0x70, 24); }
constexpr int64_t kFixedTimeMs = 1767225600000;  // 2026-01-01T00:00:00Z

inline mend::v1::Payload CheckInPayload(uint32_t mood, const std::string& note) {
  mend::v1::Payload p;
  p.mutable_check_in()->set_mood(mood);
  p.mutable_check_in()->add_feelings(mend::v1::FEELING_HOPEFUL);
  p.mutable_check_in()->set_note(note);
  return p;
}

// A chain of `n` check-ins alternating between Alice and Bob under epoch 0.
struct TestChain {
  std::vector<mend::v1::Entry> entries;
  crypto::KeyRing keys;
  crypto::ChainContext Context() const {
    crypto::ChainContext c;
    c.couple_id = FixedCoupleId();
    c.members = {Alice().sign_pk(), Bob().sign_pk()};
    c.keys = &keys;
    c.head = {0, crypto::GenesisPrevHash(FixedCoupleId())};
    return c;
  }
};

inline TestChain MakeChain(size_t n) {
  TestChain chain;
  chain.keys[0] = FixedCoupleKey();
  crypto::Identity alice = Alice(), bob = Bob();
  std::string prev = crypto::GenesisPrevHash(FixedCoupleId());
  for (size_t i = 1; i <= n; ++i) {
    crypto::EntryPosition pos{FixedCoupleId(), i, prev, 0, kFixedTimeMs + static_cast<int64_t>(i)};
    auto entry = crypto::SealEntry(pos, CheckInPayload(static_cast<uint32_t>(i % 10 + 1), "note"),
                                   i % 2 ? alice : bob, chain.keys[0]);
    prev = crypto::EntryHash(entry->header(), entry->ciphertext());
    chain.entries.push_back(*entry);
  }
  return chain;
}

}  // namespace mend::testing

#endif  // MEND_TESTS_CRYPTO_TEST_IDENTITIES_H_
