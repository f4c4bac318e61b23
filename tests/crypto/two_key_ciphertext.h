// "Invisible salamander" ciphertexts for XChaCha20-Poly1305-IETF: one ciphertext and tag that
// libsodium's crypto_aead_xchacha20poly1305_ietf_decrypt accepts under two different keys
// (same nonce, same associated data). Poly1305 is a MAC, not a commitment: whoever knows both
// keys can solve one linear equation for one ciphertext block and make both tags come out
// equal (Len, Grubbs and Ristenpart, "Partitioning Oracle Attacks", USENIX Security 2021).
// The tests use these to show that our key commitment, not the AEAD, stops a hostile partner
// from sealing one ciphertext that opens to two different answers.
//
// Test-only code: it throws on bad input rather than returning a status.
#ifndef MEND_TESTS_CRYPTO_TWO_KEY_CIPHERTEXT_H_
#define MEND_TESTS_CRYPTO_TWO_KEY_CIPHERTEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace mend::testing {

// Returns ciphertext || tag (no nonce prefix), `blocks` * 16 + 16 bytes long, that
// crypto_aead_xchacha20poly1305_ietf_decrypt accepts under both `key1` and `key2` (32 bytes
// each, and different) with the 24-byte `nonce` and the associated data `ad`.
//
// Under key1 the plaintext starts with `plaintext_prefix_under_key1`; the bytes after it, up to
// the last block, are deterministic filler, and the last 16-byte block is the one solved for,
// so it decrypts to noise under both keys. Under key2 every block is noise. The result depends
// only on the arguments.
//
// REQUIRES: blocks >= 2 and plaintext_prefix_under_key1.size() < (blocks - 1) * 16. At least
// one filler byte must stay free: for a fixed prefix only about 63% of key pairs have a
// solution at all (one free block gives 2^128 candidates for a 128-bit condition), and the
// filler is what gets changed when an attempt has none. Throws std::invalid_argument when a
// requirement or a size is broken, std::runtime_error if no solution turns up (not expected).
std::string TwoKeyCiphertext(std::string_view key1, std::string_view key2, std::string_view nonce,
                             std::string_view ad, std::string_view plaintext_prefix_under_key1,
                             size_t blocks);

// The same with an empty prefix: every block but the last is filler.
std::string TwoKeyCiphertext(std::string_view key1, std::string_view key2, std::string_view nonce,
                             std::string_view ad, size_t blocks);

}  // namespace mend::testing

#endif  // MEND_TESTS_CRYPTO_TWO_KEY_CIPHERTEXT_H_
