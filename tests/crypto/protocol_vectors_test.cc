// Checks the known-answer vectors written in proto/PROTOCOL.md against the
// code, so that the spec and the implementation cannot drift apart.
// MEND_PRINT_VECTORS=1 prints the computed block (to refresh the spec after a
// deliberate protocol change).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "base/hex.h"
#include "crypto/bytes.h"
#include "crypto/entry_codec.h"
#include "crypto/grant.h"
#include "crypto/invite.h"
#include "crypto/safety_number.h"
#include "crypto/sealed_reflection.h"
#include "tests/crypto/test_identities.h"

namespace mend::crypto {
namespace {

using Vectors = std::vector<std::pair<std::string, std::string>>;

Vectors ComputeVectors() {
  using namespace mend::testing;
  Vectors v;
  Identity alice = Alice(), bob = Bob();
  v.emplace_back("alice_seed", base::ToHex(Counting(0x00, 32)));
  v.emplace_back("alice_sign_pk", base::ToHex(alice.sign_pk()));
  v.emplace_back("alice_box_pk", base::ToHex(alice.box_pk()));
  v.emplace_back("bob_seed", base::ToHex(Counting(0x20, 32)));
  v.emplace_back("bob_sign_pk", base::ToHex(bob.sign_pk()));
  v.emplace_back("bob_box_pk", base::ToHex(bob.box_pk()));
  v.emplace_back("couple_id", base::ToHex(FixedCoupleId()));
  v.emplace_back("couple_key", base::ToHex(FixedCoupleKey().view()));
  v.emplace_back("genesis_prev_hash", base::ToHex(GenesisPrevHash(FixedCoupleId())));

  auto padded = Pad("abc");
  v.emplace_back("pad_abc", base::ToHex(padded->view()));

  EntryPosition pos{FixedCoupleId(), 1, GenesisPrevHash(FixedCoupleId()), 0, kFixedTimeMs};
  mend::v1::Payload payload = CheckInPayload(7, "first");
  v.emplace_back("entry_payload", base::ToHex(payload.SerializeAsString()));
  v.emplace_back("entry_nonce", base::ToHex(FixedNonce()));
  auto entry = SealEntry(pos, payload, alice, FixedCoupleKey(), FixedNonce());
  Bytes hash = EntryHash(entry->header(), entry->ciphertext());
  v.emplace_back("entry_header", base::ToHex(entry->header()));
  v.emplace_back("entry_ciphertext", base::ToHex(entry->ciphertext()));
  v.emplace_back("entry_hash", base::ToHex(hash));
  v.emplace_back("entry_signature_input", base::ToHex(EntrySignatureInput(hash)));
  v.emplace_back("entry_signature", base::ToHex(entry->signature()));
  v.emplace_back("chain_code", ChainCode(1, hash));
  v.emplace_back("safety_number", SafetyNumber(alice.public_identity(), bob.public_identity()));

  SecretBytes secret = SecretBytes::CopyOf(Counting(0x90, 16));
  InviteKeys keys = DeriveInviteKeys(secret);
  v.emplace_back("invite_secret", base::ToHex(secret.view()));
  v.emplace_back("invite_code", FormatInviteCode(secret));
  v.emplace_back("invite_id", base::ToHex(keys.invite_id));
  v.emplace_back("invite_k_offer", base::ToHex(keys.k_offer.view()));
  v.emplace_back("invite_k_answer", base::ToHex(keys.k_answer.view()));

  v.emplace_back("login_server_id", base::ToHex(Counting(0xa0, 16)));
  v.emplace_back("login_nonce", base::ToHex(Counting(0xb0, 32)));
  Bytes login = LoginSignatureInput(Counting(0xa0, 16), Counting(0xb0, 32));
  v.emplace_back("login_signature_input", base::ToHex(login));
  v.emplace_back("login_signature", base::ToHex(alice.Sign(login)));

  v.emplace_back("key_id", base::ToHex(KeyId(FixedCoupleKey())));
  v.emplace_back(
      "grant_signature_input",
      base::ToHex(GrantSignatureInput(FixedCoupleId(), 1, bob.sign_pk(), KeyId(FixedCoupleKey()),
                                      Counting(0x10, kSealedKeyBytes))));
  v.emplace_back("leave_signature_input",
                 base::ToHex(DestructiveCallSignatureInput(kLeaveLabel, Counting(0xa0, 16),
                                                           FixedCoupleId(), Counting(0xb0, 32))));
  v.emplace_back("purge_signature_input",
                 base::ToHex(DestructiveCallSignatureInput(kPurgeLabel, Counting(0xa0, 16),
                                                           FixedCoupleId(), Counting(0xb0, 32))));
  v.emplace_back("padded_length_5000", std::to_string(PaddedLength(5000)));

  SecretBytes k_e = SecretBytes::CopyOf(Counting(0xc0, 32));
  v.emplace_back("sealed_key", base::ToHex(k_e.view()));
  v.emplace_back("sealed_nonce", base::ToHex(Counting(0xe0, 24)));
  SealedReflectionContext sealed_context{FixedCoupleId(), alice.sign_pk(), "hardest"};
  v.emplace_back("sealed_ad", base::ToHex(SealedReflectionAd(sealed_context)));
  v.emplace_back("sealed_key_commitment", base::ToHex(SealedKeyCommitment(k_e.view())));
  v.emplace_back("sealed_reflection", base::ToHex(SealReflectionText(
                                          k_e, sealed_context, "the silence", Counting(0xe0, 24))));
  return v;
}

// `name = value` lines inside ```vectors fenced blocks.
std::map<std::string, std::string> ReadSpecVectors() {
  std::ifstream in(std::string(MEND_SOURCE_DIR) + "/proto/PROTOCOL.md");
  std::map<std::string, std::string> out;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) {
      inside = !inside && line == "```vectors";
      continue;
    }
    if (!inside) continue;
    size_t eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    out[line.substr(0, eq)] = line.substr(eq + 3);
  }
  return out;
}

TEST(ProtocolVectors, SpecMatchesTheCode) {
  Vectors computed = ComputeVectors();
  if (std::getenv("MEND_PRINT_VECTORS") != nullptr) {
    for (const auto& [name, value] : computed) std::cout << name << " = " << value << "\n";
  }
  auto spec = ReadSpecVectors();
  ASSERT_FALSE(spec.empty()) << "proto/PROTOCOL.md has no ```vectors block";
  for (const auto& [name, value] : computed) {
    auto it = spec.find(name);
    ASSERT_NE(it, spec.end()) << "PROTOCOL.md lacks vector " << name;
    EXPECT_EQ(it->second, value) << "vector " << name << " differs from the code";
  }
  EXPECT_EQ(spec.size(), computed.size()) << "PROTOCOL.md has vectors the test does not check";
}

TEST(ProtocolVectors, SpecEntryOpensWithTheSpecKey) {
  auto spec = ReadSpecVectors();
  mend::v1::Entry entry;
  entry.set_header(*base::FromHex(spec["entry_header"]));
  entry.set_ciphertext(*base::FromHex(spec["entry_ciphertext"]));
  entry.set_signature(*base::FromHex(spec["entry_signature"]));
  KeyRing keys;
  keys[0] = SecretBytes::CopyOf(*base::FromHex(spec["couple_key"]));
  mend::v1::EntryHeader header;
  ASSERT_EQ(ParseHeader(entry, 1, &header), std::nullopt);
  OpenedEntry opened;
  ASSERT_EQ(OpenEntry(entry, header, keys, nullptr, &opened), std::nullopt);
  EXPECT_EQ(opened.payload.check_in().note(), "first");
}

}  // namespace
}  // namespace mend::crypto
