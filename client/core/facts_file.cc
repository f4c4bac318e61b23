#include "client/core/facts_file.h"

#include <sodium.h>

#include "base/atomic_file.h"
#include "base/big_endian.h"
#include "crypto/aead.h"

namespace mend::client {
namespace {

constexpr std::string_view kMagic("MENDFCT\x01", 8);
constexpr std::string_view kLabel = "mend facts v1";

crypto::Bytes AssociatedData(const crypto::Bytes& couple_id, uint64_t seq,
                             const crypto::Bytes& hash) {
  crypto::Bytes ad(kLabel);
  ad += couple_id;
  base::AppendU64(&ad, seq);
  ad += hash;
  return ad;
}

}  // namespace

crypto::SecretBytes FactsKey(const crypto::Identity& identity) {
  crypto::SecretBytes key(crypto_kdf_KEYBYTES);
  crypto_kdf_derive_from_key(key.data(), key.size(), 4, "mendfact", identity.seed().data());
  return key;
}

absl::Status SaveFacts(const std::string& path, const crypto::SecretBytes& key,
                       const crypto::Bytes& couple_id, const mend::v1::FactsFile& facts) {
  std::string plain;
  if (!facts.SerializeToString(&plain)) return absl::InternalError("cannot encode the facts");
  crypto::Bytes sealed =
      crypto::AeadSeal(key, plain, AssociatedData(couple_id, facts.seq(), facts.hash()));
  sodium_memzero(plain.data(), plain.size());
  return base::AtomicWriteFile(path, std::string(kMagic) + sealed, 0600, base::Durability::kCache);
}

absl::StatusOr<mend::v1::FactsFile> LoadFacts(const std::string& path,
                                              const crypto::SecretBytes& key,
                                              const crypto::Bytes& couple_id, uint64_t seq,
                                              const crypto::Bytes& hash) {
  absl::StatusOr<std::string> file = base::ReadWholeFile(path);
  if (!file.ok()) return file.status();
  std::string_view rest = *file;
  if (rest.substr(0, kMagic.size()) != kMagic)
    return absl::DataLossError("the facts file is not one");
  rest.remove_prefix(kMagic.size());
  absl::StatusOr<crypto::SecretBytes> plain =
      crypto::AeadOpen(key, rest, AssociatedData(couple_id, seq, hash));
  if (!plain.ok()) return absl::DataLossError("the facts file is not this profile's at this head");
  mend::v1::FactsFile facts;
  if (!facts.ParseFromArray(plain->data(), static_cast<int>(plain->size())) || facts.seq() != seq ||
      facts.hash() != hash) {
    return absl::DataLossError("the facts file does not parse");
  }
  return facts;
}

}  // namespace mend::client
