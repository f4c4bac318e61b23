// The file `facts` beside the replica: the folded state at the verified head
// (facts.proto FactsFile), so that opening a profile reads and folds only the
// replica entries after it instead of the whole history (PROTOCOL.md "Client
// files").
//
//   "MENDFCT\x01" || nonce(24) || XChaCha20-Poly1305(FactsKey, FactsFile,
//                    ad = "mend facts v1" || couple_id || u64be(seq) || hash)
//
// It holds plaintext the replica keeps encrypted (commitments, triggers,
// answers), so it is sealed, under a key only the identity's seed gives; and
// it is bound to the verified head in state.json, so that a facts file from
// another profile, another head or another couple does not open. It is a
// cache: written without fsync, and when it is missing, damaged or bound to
// another head, the client folds the whole replica instead.
#ifndef MEND_CLIENT_CORE_FACTS_FILE_H_
#define MEND_CLIENT_CORE_FACTS_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "crypto/bytes.h"
#include "crypto/identity.h"
#include "crypto/secret_bytes.h"
#include "mend/v1/facts.pb.h"

namespace mend::client {

// KDF(identity seed, 4, "mendfact").
crypto::SecretBytes FactsKey(const crypto::Identity& identity);

// Replaces the file at `path` (mode 0600). The file is bound to
// (`couple_id`, facts.seq(), facts.hash()).
absl::Status SaveFacts(const std::string& path, const crypto::SecretBytes& key,
                       const crypto::Bytes& couple_id, const mend::v1::FactsFile& facts);

// The facts at (`couple_id`, `seq`, `hash`): NotFound when there is no file;
// DataLoss when it does not open under that binding (another head, another
// profile, damage).
absl::StatusOr<mend::v1::FactsFile> LoadFacts(const std::string& path,
                                              const crypto::SecretBytes& key,
                                              const crypto::Bytes& couple_id, uint64_t seq,
                                              const crypto::Bytes& hash);

}  // namespace mend::client

#endif  // MEND_CLIENT_CORE_FACTS_FILE_H_
