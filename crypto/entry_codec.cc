#include "crypto/entry_codec.h"

#include <sodium.h>

#include <algorithm>
#include <bit>

#include "absl/status/status.h"
#include "base/big_endian.h"
#include "base/status_macros.h"
#include "crypto/aead.h"
#include "crypto/grant.h"
#include "crypto/hash.h"
#include "fmt/format.h"

namespace mend::crypto {
namespace {

constexpr std::string_view kGenesisLabel = "mend genesis v1";
constexpr std::string_view kEntryLabel = "mend entry v1";
constexpr std::string_view kEntrySigLabel = "mend entry sig v1";

EntryFailure Fail(uint64_t seq, EntryCheck check, std::string detail) {
  return EntryFailure{seq, check, std::move(detail)};
}

// One guarded buffer per thread for the plaintext of the entry being sealed or
// opened. sodium_malloc costs several system calls (mmap, mprotect, mlock) and
// munmap with TLB shootdowns on free; paying that per entry dominated sealing
// and opening. The buffer is wiped after every use.
SecretBytes& Scratch() {
  thread_local SecretBytes scratch(kMaxPaddedPayload + kAeadTagBytes);
  return scratch;
}

// Wipes the first `n` bytes of the scratch buffer when it goes out of scope.
class ScratchGuard {
 public:
  explicit ScratchGuard(SecretBytes& buf) : buf_(buf) {}
  ~ScratchGuard() { sodium_memzero(buf_.data(), used); }
  size_t used = 0;

 private:
  SecretBytes& buf_;
};

}  // namespace

Bytes GenesisPrevHash(std::string_view couple_id) { return Blake2b256({kGenesisLabel, couple_id}); }

Bytes EntryHash(std::string_view header, std::string_view ciphertext) {
  Bytes len;
  base::AppendU32(&len, static_cast<uint32_t>(header.size()));
  Bytes ct_hash = Blake2b256({ciphertext});
  return Blake2b256({kEntryLabel, len, header, ct_hash});
}

Bytes EntrySignatureInput(std::string_view entry_hash) {
  Bytes out(kEntrySigLabel);
  out.append(entry_hash);
  return out;
}

size_t PaddedLength(size_t n) {
  // At least one byte of padding (the 0x80 marker), so the length is > n.
  const size_t blocks = (n / kPadBlock + 1) * kPadBlock;
  const size_t m = n + 1;
  if (m <= 1024) return blocks;
  // Padmé (Nikitin et al., PETS 2019): keep the top floor(log2 E) + 1 bits of m.
  const int e = std::bit_width(m) - 1;                   // floor(log2 m)
  const int s = std::bit_width(static_cast<size_t>(e));  // floor(log2 e) + 1
  const size_t mask = (size_t{1} << (e - s)) - 1;
  const size_t padme = (m + mask) & ~mask;
  return std::max(blocks, (padme + kPadBlock - 1) / kPadBlock * kPadBlock);
}

absl::StatusOr<SecretBytes> Pad(std::string_view data) {
  const size_t max = PaddedLength(data.size());
  if (max > kMaxPaddedPayload) {
    return absl::InvalidArgumentError(fmt::format(
        "entry is too large: {} bytes after padding, at most {}", max, kMaxPaddedPayload));
  }
  SecretBytes buf(max);
  std::copy(data.begin(), data.end(), buf.data());
  size_t padded_len = 0;
  // One block of the whole padded length: sodium_pad then pads to exactly max.
  if (sodium_pad(&padded_len, buf.data(), data.size(), max, max) != 0) {
    return absl::InternalError("padding failed");
  }
  if (padded_len != max) return absl::InternalError("unexpected padded length");
  return buf;
}

absl::StatusOr<SecretBytes> Unpad(const SecretBytes& padded) {
  size_t len = 0;
  if (padded.empty() || sodium_unpad(&len, padded.data(), padded.size(), padded.size()) != 0 ||
      PaddedLength(len) != padded.size()) {
    return absl::DataLossError("padding is malformed");
  }
  return SecretBytes::CopyOf(padded.view().substr(0, len));
}

absl::StatusOr<mend::v1::Entry> SealEntry(const EntryPosition& position,
                                          const mend::v1::Payload& payload, const Identity& author,
                                          const SecretBytes& couple_key,
                                          std::optional<Bytes> nonce) {
  if (position.couple_id.size() != kCoupleIdBytes) {
    return absl::InvalidArgumentError("couple id must be 16 bytes");
  }
  if (position.prev_hash.size() != kHashBytes || position.seq == 0) {
    return absl::InvalidArgumentError("bad entry position");
  }
  if (couple_key.size() != kAeadKeyBytes) return absl::InvalidArgumentError("bad couple key");
  mend::v1::EntryHeader header;
  header.set_version(kEntryVersion);
  header.set_couple_id(position.couple_id);
  header.set_seq(position.seq);
  header.set_prev_hash(position.prev_hash);
  header.set_author(author.sign_pk());
  header.set_key_epoch(position.key_epoch);
  header.set_nonce(nonce ? *nonce : RandomBytes(kAeadNonceBytes));
  if (header.nonce().size() != kAeadNonceBytes) return absl::InvalidArgumentError("bad nonce");

  mend::v1::Entry entry;
  header.SerializeToString(entry.mutable_header());

  // The time goes inside the ciphertext, where the server cannot read it.
  mend::v1::Payload timed = payload;
  timed.set_written_unix_ms(position.written_unix_ms);
  // The serialized payload is a secret: it lives only in the guarded scratch buffer.
  const size_t plain_len = timed.ByteSizeLong();
  const size_t padded_max = PaddedLength(plain_len);
  if (padded_max > kMaxPaddedPayload) {
    return absl::InvalidArgumentError(fmt::format(
        "entry is too large: {} bytes after padding, at most {}", padded_max, kMaxPaddedPayload));
  }
  SecretBytes& buf = Scratch();
  ScratchGuard guard(buf);
  guard.used = padded_max;
  if (plain_len > 0 && !timed.SerializeToArray(buf.data(), static_cast<int>(plain_len))) {
    return absl::InternalError("payload serialization failed");
  }
  size_t padded_len = 0;
  if (sodium_pad(&padded_len, buf.data(), plain_len, padded_max, padded_max) != 0 ||
      padded_len != padded_max) {
    return absl::InternalError("padding failed");
  }
  entry.set_ciphertext(AeadEncrypt(
      couple_key, header.nonce(),
      std::string_view(reinterpret_cast<const char*>(buf.data()), padded_len), entry.header()));
  Bytes hash = EntryHash(entry.header(), entry.ciphertext());
  entry.set_signature(author.Sign(EntrySignatureInput(hash)));
  return entry;
}

std::string_view ToString(EntryCheck check) {
  switch (check) {
    case EntryCheck::kHeader:
      return "header";
    case EntryCheck::kCoupleId:
      return "couple id";
    case EntryCheck::kSequence:
      return "sequence";
    case EntryCheck::kChain:
      return "chain";
    case EntryCheck::kAuthor:
      return "author";
    case EntryCheck::kSignature:
      return "signature";
    case EntryCheck::kEpoch:
      return "key epoch";
    case EntryCheck::kDecrypt:
      return "decryption";
    case EntryCheck::kPadding:
      return "padding";
    case EntryCheck::kParse:
      return "payload";
  }
  return "unknown";
}

std::string EntryFailure::Message() const {
  return fmt::format("entry {} failed the {} check: {}", seq, ToString(check), detail);
}

std::optional<EntryFailure> ParseHeader(const mend::v1::Entry& entry, uint64_t expected_seq,
                                        mend::v1::EntryHeader* header) {
  if (!header->ParseFromString(entry.header())) {
    return Fail(expected_seq, EntryCheck::kHeader, "header bytes do not parse");
  }
  if (header->version() != kEntryVersion) {
    return Fail(expected_seq, EntryCheck::kHeader,
                fmt::format("unsupported entry version {}", header->version()));
  }
  if (header->couple_id().size() != kCoupleIdBytes || header->prev_hash().size() != kHashBytes ||
      header->author().size() != kSignPublicKeyBytes || header->nonce().size() != kAeadNonceBytes) {
    return Fail(expected_seq, EntryCheck::kHeader, "a header field has the wrong length");
  }
  if (entry.signature().size() != kSignatureBytes) {
    return Fail(expected_seq, EntryCheck::kSignature, "signature has the wrong length");
  }
  return std::nullopt;
}

bool EntrySignatureValid(const mend::v1::Entry& entry, std::string_view author) {
  return EntrySignatureValid(entry, author, EntryHash(entry.header(), entry.ciphertext()));
}

bool EntrySignatureValid(const mend::v1::Entry& entry, std::string_view author,
                         std::string_view entry_hash) {
  return VerifySignature(author, EntrySignatureInput(entry_hash), entry.signature());
}

std::optional<EntryFailure> OpenEntry(const mend::v1::Entry& entry,
                                      const mend::v1::EntryHeader& header, const KeyRing& keys,
                                      const KeyIds* key_ids, OpenedEntry* out,
                                      bool check_signature) {
  const uint64_t seq = header.seq();
  Bytes hash = EntryHash(entry.header(), entry.ciphertext());
  if (check_signature && !EntrySignatureValid(entry, header.author(), hash)) {
    return Fail(seq, EntryCheck::kSignature, "the author's signature does not verify");
  }
  out->header = header;
  out->hash = std::move(hash);
  out->raw = entry;
  out->payload.Clear();
  out->unreadable.clear();
  const uint32_t epoch = header.key_epoch();
  auto key = keys.find(epoch);
  std::optional<Bytes> announced;
  if (key_ids != nullptr) {
    auto id = key_ids->find(epoch);
    // Entry 1 (the Genesis) announces epoch 0's id itself; it is checked after opening.
    if (id != key_ids->end()) {
      announced = id->second;
    } else if (!(seq == 1 && epoch == 0)) {
      out->unreadable =
          fmt::format("written under key epoch {}, which the log has not announced", epoch);
      return std::nullopt;
    }
  }
  if (key == keys.end()) {
    out->unreadable =
        fmt::format("you hold no key for epoch {}: its grant to you is missing", epoch);
    return std::nullopt;
  }
  if (announced && !ConstantTimeEquals(KeyId(key->second), *announced)) {
    out->unreadable = fmt::format(
        "the key granted to you for epoch {} is not the key the log announces for it", epoch);
    return std::nullopt;
  }
  const std::string& ct = entry.ciphertext();
  if (ct.size() < kAeadTagBytes || ct.size() > kMaxPaddedPayload + kAeadTagBytes ||
      key->second.size() != kAeadKeyBytes) {
    out->unreadable = "the ciphertext has an impossible length";
    return std::nullopt;
  }
  SecretBytes& buf = Scratch();
  ScratchGuard guard(buf);
  guard.used = ct.size() - kAeadTagBytes;
  unsigned long long padded_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          buf.data(), &padded_len, nullptr, reinterpret_cast<const unsigned char*>(ct.data()),
          ct.size(), reinterpret_cast<const unsigned char*>(entry.header().data()),
          entry.header().size(), reinterpret_cast<const unsigned char*>(header.nonce().data()),
          key->second.data()) != 0) {
    out->unreadable =
        fmt::format("the ciphertext does not decrypt under the key for epoch {}", epoch);
    return std::nullopt;
  }
  size_t plain_len = 0;
  if (padded_len == 0 || sodium_unpad(&plain_len, buf.data(), padded_len, padded_len) != 0 ||
      PaddedLength(plain_len) != padded_len) {
    out->unreadable = "the padding is malformed";
    return std::nullopt;
  }
  if (!out->payload.ParseFromArray(buf.data(), static_cast<int>(plain_len)) ||
      out->payload.kind_case() == mend::v1::Payload::KIND_NOT_SET) {
    out->payload.Clear();
    out->unreadable = "the payload does not parse as a known kind";
    return std::nullopt;
  }
  if (seq == 1 && key_ids != nullptr && !announced &&
      (!out->payload.has_genesis() ||
       !ConstantTimeEquals(KeyId(key->second), out->payload.genesis().key_id()))) {
    out->payload.Clear();
    out->unreadable = "entry 1 does not announce the key it is written under";
  }
  return std::nullopt;
}

}  // namespace mend::crypto
