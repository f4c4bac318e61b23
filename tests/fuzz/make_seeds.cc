// Writes the seed corpus for the fuzz targets from the protocol's fixed
// inputs (PROTOCOL.md test vectors). Run once; the output is committed.
//   make_seeds tests/fuzz/corpus
#include <filesystem>
#include <fstream>
#include <iostream>

#include "crypto/entry_codec.h"
#include "crypto/init.h"
#include "crypto/invite.h"
#include "crypto/key_file.h"
#include "mend/v1/service.pb.h"
#include "tests/crypto/test_identities.h"

namespace fs = std::filesystem;

void Write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

int main(int argc, char** argv) {
  if (argc != 2 || !mend::crypto::Initialize().ok()) return 2;
  fs::path root = argv[1];
  auto chain = mend::testing::MakeChain(3);
  for (size_t i = 0; i < chain.entries.size(); ++i) {
    Write(root / "fuzz_entry", "entry" + std::to_string(i + 1),
          chain.entries[i].SerializeAsString());
    mend::v1::AppendRequest req;
    *req.mutable_entry() = chain.entries[i];
    Write(root / "fuzz_server_append", "append" + std::to_string(i + 1), req.SerializeAsString());
  }
  // Payload sequences: u16 length (high bit of the second byte: author B) then the payload.
  std::string seq;
  auto add = [&](const mend::v1::Payload& p, bool by_b) {
    std::string bytes = p.SerializeAsString();
    seq.push_back(static_cast<char>(bytes.size() & 0xff));
    seq.push_back(static_cast<char>(((bytes.size() >> 8) & 0x0f) | (by_b ? 0x80 : 0)));
    seq += bytes;
  };
  mend::v1::Payload g;
  g.mutable_genesis()->mutable_inviter()->set_sign_pk(std::string(32, 'A'));
  g.mutable_genesis()->mutable_joiner()->set_sign_pk(std::string(32, 'S'));
  add(g, false);
  mend::v1::Payload j;
  j.mutable_joined();
  add(j, true);
  mend::v1::Payload prop;
  prop.mutable_commitment_proposal()->set_type(mend::v1::PROPOSAL_TYPE_NEW);
  prop.mutable_commitment_proposal()->set_title("t");
  prop.mutable_commitment_proposal()->set_bound(mend::v1::BOUND_BOTH);
  prop.mutable_commitment_proposal()->set_cadence(mend::v1::CADENCE_DAILY);
  add(prop, false);
  mend::v1::Payload accept;
  accept.mutable_commitment_response()->set_proposal_seq(3);
  accept.mutable_commitment_response()->set_decision(mend::v1::DECISION_ACCEPT);
  add(accept, true);
  mend::v1::Payload trig;
  trig.mutable_trigger()->set_intensity(5);
  add(trig, true);
  mend::v1::Payload ack;
  ack.mutable_acknowledgement()->set_trigger_seq(5);
  add(ack, false);
  Write(root / "fuzz_payload_fold", "story", seq);
  Write(root / "fuzz_invite_code", "code",
        mend::crypto::FormatInviteCode(
            mend::crypto::SecretBytes::CopyOf(mend::testing::Counting(0x90, 16))));
  Write(root / "fuzz_invite_code", "typo", "mend-J28S5-4WMJP-B9F64-SKADS-S7CYK-WG");
  mend::crypto::KeySecrets secrets;
  secrets.identity_seed = mend::crypto::SecretBytes::CopyOf(mend::testing::Counting(0, 32));
  secrets.couple_keys[0] = mend::testing::FixedCoupleKey();
  auto file = mend::crypto::KeyFile::Encode(mend::crypto::SecretBytes::CopyOf("fuzz"), secrets,
                                            mend::crypto::KdfLimits::MinimumForTests());
  Write(root / "fuzz_key_file", "keyfile", *file);
  std::cout << "seeds written to " << root << "\n";
  return 0;
}
