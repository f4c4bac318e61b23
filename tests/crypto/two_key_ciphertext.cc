// How it works. XChaCha20-Poly1305-IETF with key K and 24-byte nonce N is ChaCha20-Poly1305-IETF
// with subkey HChaCha20(K, N[0..16]) and 12-byte nonce 0^4 || N[16..24]. For each key:
//   - the first 32 bytes of keystream (block counter 0) are the Poly1305 key: r = clamp(bytes
//     0..16), s = bytes 16..32, little-endian;
//   - the message is XORed with the keystream from block counter 1;
//   - the tag is (h + s) mod 2^128 where h = sum of c_i * r^(n - i + 1) mod p, p = 2^130 - 5,
//     over the 16-byte blocks of AD || pad16 || C || pad16 || le64(|AD|) || le64(|C|), each
//     block read little-endian plus 2^128.
// The ciphertext is shared by both keys, so if every block but one is fixed, h1 and h2 are
// affine in the free block's field value x. The free block here is the last ciphertext block;
// only the length block follows it, so its coefficient is r^2:
//   h1 = A1 + x * r1^2,  h2 = A2 + x * r2^2   (mod p).
// The tags match when h1 + s1 = h2 + s2 (mod 2^128), i.e. h1 - h2 = s2 - s1 + k * 2^128 as
// integers for some k. Since h1, h2 are in [0, p) and s1, s2 in [0, 2^128), |k| <= 4. For each
// such k solve for x in GF(p), keep x only if it is a real block (x - 2^128 in [0, 2^128)),
// and recheck the tags with the exact integers, since a solution mod p need not satisfy the
// integer equation. When no k works, change the filler and start again.
#include "tests/crypto/two_key_ciphertext.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace mend::testing {
namespace {

constexpr size_t kBlock = 16;
constexpr size_t kMaxAttempts = 1000;  // Each attempt succeeds with probability ~0.63.

// ---- Arithmetic modulo p = 2^130 - 5 -----------------------------------------------------
// Small integers as three little-endian 64-bit limbs (below 2^192). Field elements are kept
// fully reduced, in [0, p), so that they equal the integers Poly1305 works with.
using Num = std::array<uint64_t, 3>;
using u128 = unsigned __int128;

constexpr Num kP = {0xfffffffffffffffbULL, 0xffffffffffffffffULL, 3};
constexpr Num kPMinus2 = {0xfffffffffffffff9ULL, 0xffffffffffffffffULL, 3};  // Fermat exponent.
constexpr Num kOne = {1, 0, 0};

bool GreaterOrEqual(const Num& a, const Num& b) {
  for (int i = 2; i >= 0; --i) {
    if (a[i] != b[i]) return a[i] > b[i];
  }
  return true;
}

// a + b; the callers keep the sum below 2^192.
Num AddRaw(const Num& a, const Num& b) {
  Num out;
  u128 carry = 0;
  for (int i = 0; i < 3; ++i) {
    u128 t = static_cast<u128>(a[i]) + b[i] + carry;
    out[i] = static_cast<uint64_t>(t);
    carry = t >> 64;
  }
  return out;
}

// a - b; REQUIRES a >= b.
Num SubRaw(const Num& a, const Num& b) {
  Num out;
  uint64_t borrow = 0;
  for (int i = 0; i < 3; ++i) {
    uint64_t d = a[i] - b[i] - borrow;
    borrow = (a[i] < b[i] || (a[i] == b[i] && borrow)) ? 1 : 0;
    out[i] = d;
  }
  return out;
}

// Reduces a value below 2p into [0, p).
Num ReduceOnce(const Num& a) { return GreaterOrEqual(a, kP) ? SubRaw(a, kP) : a; }

// Reduces any value below 2^192 into [0, p) using 2^130 = 5 (mod p): a = lo + 2^130 * hi is
// congruent to lo + 5 * hi, which for hi < 2^62 is below 2^130 + 2^65, so one fold and one
// conditional subtraction finish the job.
Num Reduce(const Num& a) {
  Num lo = {a[0], a[1], a[2] & 3};
  uint64_t hi = a[2] >> 2;
  Num folded = AddRaw(lo, Num{hi, 0, 0});
  folded = AddRaw(folded, Num{hi << 2, hi >> 62, 0});  // + 4 * hi, so + 5 * hi in total.
  return ReduceOnce(folded);
}

Num FieldAdd(const Num& a, const Num& b) { return ReduceOnce(AddRaw(a, b)); }
Num FieldSub(const Num& a, const Num& b) { return ReduceOnce(SubRaw(AddRaw(a, kP), b)); }

Num FieldMul(const Num& a, const Num& b) {
  // Schoolbook product: below 2^260, so limbs t[0..4] suffice (t[5] stays 0).
  uint64_t t[6] = {};
  for (int i = 0; i < 3; ++i) {
    u128 carry = 0;
    for (int j = 0; j < 3; ++j) {
      u128 cur = static_cast<u128>(a[i]) * b[j] + t[i + j] + carry;
      t[i + j] = static_cast<uint64_t>(cur);
      carry = cur >> 64;
    }
    t[i + 3] = static_cast<uint64_t>(carry);
  }
  // Split at bit 130 and fold: t = lo + 2^130 * hi = lo + 5 * hi (mod p), hi < 2^130.
  Num lo = {t[0], t[1], t[2] & 3};
  Num hi = {(t[2] >> 2) | (t[3] << 62), (t[3] >> 2) | (t[4] << 62), (t[4] >> 2) | (t[5] << 62)};
  Num five_hi = AddRaw(AddRaw(hi, hi), AddRaw(AddRaw(hi, hi), hi));  // Below 2^133.
  return Reduce(AddRaw(lo, five_hi));                                // Below 2^134.
}

// a^e by square-and-multiply over the 130 bits of e.
Num FieldPow(const Num& a, const Num& e) {
  Num result = kOne;
  for (int bit = 129; bit >= 0; --bit) {
    result = FieldMul(result, result);
    if ((e[bit / 64] >> (bit % 64)) & 1) result = FieldMul(result, a);
  }
  return result;
}

// a^(p-2) = a^-1 by Fermat; REQUIRES a != 0.
Num FieldInverse(const Num& a) { return FieldPow(a, kPMinus2); }

bool IsZero(const Num& a) { return a[0] == 0 && a[1] == 0 && a[2] == 0; }

uint64_t Le64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void StoreLe64(uint64_t v, unsigned char* p) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

// A full 16-byte Poly1305 block as its field element: the bytes little-endian plus 2^128.
Num BlockElement(const unsigned char* p) { return {Le64(p), Le64(p + 8), 1}; }

// ---- Poly1305 as ChaCha20-Poly1305-IETF uses it ------------------------------------------

// What one key contributes: the ChaCha20-IETF subkey and nonce, and the Poly1305 key.
struct KeySide {
  unsigned char subkey[crypto_stream_chacha20_ietf_KEYBYTES];
  unsigned char nonce12[crypto_stream_chacha20_ietf_NONCEBYTES];
  Num r;
  Num s;
};

const unsigned char* U8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

KeySide DeriveSide(std::string_view key, std::string_view nonce) {
  KeySide side{};
  // XChaCha20-Poly1305-IETF = HChaCha20 subkey from the first 16 nonce bytes, then the IETF
  // construction with nonce 0^4 || the last 8 nonce bytes (libsodium's aead_xchacha20poly1305.c).
  crypto_core_hchacha20(side.subkey, U8(nonce), U8(key), nullptr);
  std::copy(nonce.begin() + crypto_core_hchacha20_INPUTBYTES, nonce.end(), side.nonce12 + 4);
  unsigned char block0[32];
  crypto_stream_chacha20_ietf(block0, sizeof block0, side.nonce12, side.subkey);
  // Clamp r as Poly1305 does (RFC 8439 section 2.5).
  side.r = {Le64(block0) & 0x0ffffffc0fffffffULL, Le64(block0 + 8) & 0x0ffffffc0ffffffcULL, 0};
  side.s = {Le64(block0 + 16), Le64(block0 + 24), 0};
  sodium_memzero(block0, sizeof block0);
  return side;
}

// h = (...((c_1 * r) + c_2) * r ... + c_n) * r mod p.
Num Horner(const std::vector<Num>& elements, const Num& r) {
  Num h = {0, 0, 0};
  for (const Num& c : elements) h = FieldMul(FieldAdd(h, c), r);
  return h;
}

// The tag: (h + s) mod 2^128, i.e. the low two limbs of the integer sum.
std::array<uint64_t, 2> Tag(const Num& h, const Num& s) {
  Num sum = AddRaw(h, s);
  return {sum[0], sum[1]};
}

// The Poly1305 input blocks for `ad` and a ciphertext of whole blocks, as field elements.
std::vector<Num> PolyElements(std::string_view ad, const std::string& ciphertext) {
  std::vector<Num> out;
  std::string padded_ad(ad);
  padded_ad.resize((ad.size() + kBlock - 1) / kBlock * kBlock, '\0');
  for (size_t i = 0; i < padded_ad.size(); i += kBlock) {
    out.push_back(BlockElement(U8(padded_ad) + i));
  }
  for (size_t i = 0; i < ciphertext.size(); i += kBlock) {
    out.push_back(BlockElement(U8(ciphertext) + i));
  }
  unsigned char lengths[kBlock];
  StoreLe64(ad.size(), lengths);
  StoreLe64(ciphertext.size(), lengths + 8);
  out.push_back(BlockElement(lengths));
  return out;
}

// Deterministic filler for attempt `attempt`: a BLAKE2b seed over every input (each with its
// length, so that different inputs cannot collide) expanded by randombytes_buf_deterministic.
std::string Filler(std::string_view key1, std::string_view key2, std::string_view nonce,
                   std::string_view ad, std::string_view prefix, size_t blocks, uint64_t attempt,
                   size_t n) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, randombytes_SEEDBYTES);
  auto absorb = [&st](std::string_view part) {
    unsigned char len[8];
    StoreLe64(part.size(), len);
    crypto_generichash_update(&st, len, sizeof len);
    crypto_generichash_update(&st, U8(part), part.size());
  };
  absorb("mend two-key ciphertext filler");
  absorb(key1);
  absorb(key2);
  absorb(nonce);
  absorb(ad);
  absorb(prefix);
  unsigned char counters[16];
  StoreLe64(blocks, counters);
  StoreLe64(attempt, counters + 8);
  crypto_generichash_update(&st, counters, sizeof counters);
  unsigned char seed[randombytes_SEEDBYTES];
  crypto_generichash_final(&st, seed, sizeof seed);
  std::string out(n, '\0');
  randombytes_buf_deterministic(out.data(), out.size(), seed);
  return out;
}

// Whether libsodium opens `sealed` under `key`; the plaintext goes to *plaintext.
bool Opens(std::string_view sealed, std::string_view key, std::string_view nonce,
           std::string_view ad, std::string* plaintext) {
  plaintext->assign(sealed.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long len = 0;
  return crypto_aead_xchacha20poly1305_ietf_decrypt(
             reinterpret_cast<unsigned char*>(plaintext->data()), &len, nullptr, U8(sealed),
             sealed.size(), U8(ad), ad.size(), U8(nonce), U8(key)) == 0 &&
         len == plaintext->size();
}

}  // namespace

std::string TwoKeyCiphertext(std::string_view key1, std::string_view key2, std::string_view nonce,
                             std::string_view ad, std::string_view plaintext_prefix_under_key1,
                             size_t blocks) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  if (key1.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES ||
      key2.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
    throw std::invalid_argument("TwoKeyCiphertext: keys must be 32 bytes");
  }
  if (key1 == key2) throw std::invalid_argument("TwoKeyCiphertext: the keys must differ");
  if (nonce.size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES) {
    throw std::invalid_argument("TwoKeyCiphertext: nonce must be 24 bytes");
  }
  if (blocks < 2) throw std::invalid_argument("TwoKeyCiphertext: blocks must be >= 2");
  const size_t free_offset = (blocks - 1) * kBlock;  // Where the solved block starts.
  if (plaintext_prefix_under_key1.size() >= free_offset) {
    throw std::invalid_argument(
        "TwoKeyCiphertext: the prefix must leave at least one filler byte before the last block");
  }
  const KeySide one = DeriveSide(key1, nonce);
  const KeySide two = DeriveSide(key2, nonce);

  // The free block's coefficients r1^2, r2^2; their difference is what we divide by.
  const Num r1_squared = FieldMul(one.r, one.r);
  const Num r2_squared = FieldMul(two.r, two.r);
  const Num slope = FieldSub(r1_squared, r2_squared);
  if (IsZero(slope)) {
    // r1 = +-r2: the free block cancels out and nothing can be solved (probability ~2^-106).
    throw std::runtime_error("TwoKeyCiphertext: the keys' Poly1305 r values coincide");
  }
  const Num inverse_slope = FieldInverse(slope);
  const Num s_difference = FieldSub(two.s, one.s);
  const size_t free_index = (ad.size() + kBlock - 1) / kBlock + (blocks - 1);

  for (uint64_t attempt = 0; attempt < kMaxAttempts; ++attempt) {
    // Plaintext under key1 for all but the last block, encrypted with key1's keystream
    // (counter 1, as the AEAD does). The last block stays zero until solved.
    std::string plaintext1(plaintext_prefix_under_key1);
    plaintext1 += Filler(key1, key2, nonce, ad, plaintext_prefix_under_key1, blocks, attempt,
                         free_offset - plaintext_prefix_under_key1.size());
    std::string ciphertext(blocks * kBlock, '\0');
    crypto_stream_chacha20_ietf_xor_ic(reinterpret_cast<unsigned char*>(ciphertext.data()),
                                       U8(plaintext1), plaintext1.size(), one.nonce12, 1,
                                       one.subkey);

    // A_i: each key's accumulator with the free block's element set to zero.
    std::vector<Num> elements = PolyElements(ad, ciphertext);
    elements[free_index] = {0, 0, 0};
    const Num a1 = Horner(elements, one.r);
    const Num a2 = Horner(elements, two.r);
    // x * (r1^2 - r2^2) = (s2 - s1 + k * 2^128) - A1 + A2.
    const Num base = FieldAdd(FieldSub(s_difference, a1), a2);
    for (int k = -4; k <= 4; ++k) {
      const Num shift = Reduce(Num{0, 0, static_cast<uint64_t>(k < 0 ? -k : k)});  // |k| 2^128.
      const Num target = k < 0 ? FieldSub(base, shift) : FieldAdd(base, shift);
      const Num x = FieldMul(target, inverse_slope);
      if (x[2] != 1) continue;  // Not 2^128 + a 16-byte block, so no ciphertext block gives it.

      // The solution holds mod p; check the integer tags, which is what Poly1305 compares.
      elements[free_index] = x;
      const auto tag1 = Tag(Horner(elements, one.r), one.s);
      const auto tag2 = Tag(Horner(elements, two.r), two.s);
      if (tag1 != tag2) continue;

      auto* free_block = reinterpret_cast<unsigned char*>(ciphertext.data()) + free_offset;
      StoreLe64(x[0], free_block);
      StoreLe64(x[1], free_block + 8);
      unsigned char tag[crypto_aead_xchacha20poly1305_ietf_ABYTES];
      StoreLe64(tag1[0], tag);
      StoreLe64(tag1[1], tag + 8);
      std::string sealed = ciphertext + std::string(reinterpret_cast<char*>(tag), sizeof tag);

      // Trust libsodium, not the arithmetic above: both keys must open it, to different bytes.
      std::string opened1, opened2;
      if (!Opens(sealed, key1, nonce, ad, &opened1) || !Opens(sealed, key2, nonce, ad, &opened2) ||
          opened1.compare(0, free_offset, plaintext1) != 0 || opened1 == opened2) {
        throw std::runtime_error("TwoKeyCiphertext: solved ciphertext failed verification");
      }
      return sealed;
    }
  }
  throw std::runtime_error("TwoKeyCiphertext: no solution found");
}

std::string TwoKeyCiphertext(std::string_view key1, std::string_view key2, std::string_view nonce,
                             std::string_view ad, size_t blocks) {
  return TwoKeyCiphertext(key1, key2, nonce, ad, std::string_view(), blocks);
}

}  // namespace mend::testing
