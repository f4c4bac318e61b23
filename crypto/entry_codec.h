// Sealing and opening log entries (PROTOCOL.md "Entries"): the entry hash, the
// signature input, padding, XChaCha20-Poly1305 with the header as associated
// data, and Ed25519 signatures by the author.
#ifndef MEND_CRYPTO_ENTRY_CODEC_H_
#define MEND_CRYPTO_ENTRY_CODEC_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/bytes.h"
#include "crypto/identity.h"
#include "crypto/secret_bytes.h"
#include "mend/v1/envelope.pb.h"
#include "mend/v1/payload.pb.h"
#include "proto/wire.h"

namespace mend::crypto {

inline constexpr uint32_t kEntryVersion = wire::kProtocolVersion;
inline constexpr size_t kCoupleIdBytes = wire::kCoupleIdBytes;
inline constexpr size_t kPadBlock = 256;
// Largest padded payload a client will write or open; the server's entry limit
// (64 KiB) leaves room for the header, tag and signature.
inline constexpr size_t kMaxPaddedPayload = 63 * 1024;

// Couple keys by epoch.
using KeyRing = std::map<uint32_t, SecretBytes>;

// BLAKE2b-256("mend genesis v1" || couple_id): the prev_hash of entry 1.
Bytes GenesisPrevHash(std::string_view couple_id);
// BLAKE2b-256("mend entry v1" || u32be(len header) || header || BLAKE2b-256(ciphertext)).
Bytes EntryHash(std::string_view header, std::string_view ciphertext);
// "mend entry sig v1" || entry_hash: what the author signs.
Bytes EntrySignatureInput(std::string_view entry_hash);

// The padded length of a payload of `n` bytes (PROTOCOL.md "Padding"): the
// next multiple of 256 above n, and above 1 KiB the Padmé length of n + 1
// (which leaks O(log log n) bits of a long letter's size) rounded up to 256.
size_t PaddedLength(size_t n);
// ISO/IEC 7816-4 padding (sodium_pad) to PaddedLength.
absl::StatusOr<SecretBytes> Pad(std::string_view data);
// Accepts only the canonical padded length for the payload found inside.
absl::StatusOr<SecretBytes> Unpad(const SecretBytes& padded);

// Where a new entry goes.
struct EntryPosition {
  Bytes couple_id;
  uint64_t seq = 0;
  Bytes prev_hash;
  uint32_t key_epoch = 0;
  // Written into the payload's written_unix_ms (encrypted, unlike v1's header time).
  int64_t written_unix_ms = 0;
};

// Builds a signed, encrypted entry. `nonce` is for known-answer tests only;
// normally a fresh random nonce is drawn.
absl::StatusOr<mend::v1::Entry> SealEntry(const EntryPosition& position,
                                          const mend::v1::Payload& payload, const Identity& author,
                                          const SecretBytes& couple_key,
                                          std::optional<Bytes> nonce = std::nullopt);

// Which check an entry failed. Each has its own name in messages and tests.
enum class EntryCheck {
  kHeader,     // header bytes do not parse or have wrong field sizes/version
  kCoupleId,   // entry belongs to another couple
  kSequence,   // seq is not the next one (gap, duplicate, reorder)
  kChain,      // prev_hash is not the hash of the previous entry
  kAuthor,     // author is not a member
  kSignature,  // Ed25519 signature does not verify
  kEpoch,      // no couple key for key_epoch
  kDecrypt,    // AEAD does not open
  kPadding,    // padding is malformed
  kParse,      // payload does not parse
};
std::string_view ToString(EntryCheck check);

struct EntryFailure {
  uint64_t seq = 0;  // the seq the verifier expected at this position
  EntryCheck check = EntryCheck::kHeader;
  std::string detail;
  // "entry 5 failed the signature check: ..."
  std::string Message() const;
};

// An entry whose place in the chain and signature verified. `unreadable` is
// set (and `payload` empty) when its author signed something this reader
// cannot open: a key epoch the log never announced, a key this reader was not
// granted or was granted under another id, or a ciphertext, padding or payload
// that does not decrypt or parse. Such an entry is kept, shown as invalid and
// attributed to its signer; it does not stop the chain, so a partner cannot
// wedge the log with it.
struct OpenedEntry {
  mend::v1::EntryHeader header;
  Bytes hash;
  mend::v1::Payload payload;
  mend::v1::Entry raw;
  std::string unreadable;
};

// The key id the log announces for each epoch (Genesis for 0, KeyRotation for
// later ones), as far as a verifier has read.
using KeyIds = std::map<uint32_t, Bytes>;

// Parses the header and checks field sizes and version.
std::optional<EntryFailure> ParseHeader(const mend::v1::Entry& entry, uint64_t expected_seq,
                                        mend::v1::EntryHeader* header);
// Checks the author's signature only (what the server can check).
bool EntrySignatureValid(const mend::v1::Entry& entry, std::string_view author);
// The same, for a caller that already has EntryHash(entry) and keeps it.
bool EntrySignatureValid(const mend::v1::Entry& entry, std::string_view author,
                         std::string_view entry_hash);

// Verifies the signature of one entry whose header is already parsed, then
// decrypts, unpads and parses it with the key for its epoch if that key's id
// is the one in `key_ids` (else sets out->unreadable). Does not check the chain
// or membership. Only a bad signature is a failure. `check_signature` is false
// only for bytes proven identical to ones verified before (see
// ChainContext::signatures_verified_through). With `key_ids` null, any key in
// `keys` for the epoch is used (the server-side fuzz target and tests).
std::optional<EntryFailure> OpenEntry(const mend::v1::Entry& entry,
                                      const mend::v1::EntryHeader& header, const KeyRing& keys,
                                      const KeyIds* key_ids, OpenedEntry* out,
                                      bool check_signature = true);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_ENTRY_CODEC_H_
