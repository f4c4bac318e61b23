// How hard a passphrase is to guess, by Debian's libzxcvbn (dictionary words,
// names, dates, keyboard patterns, substitutions), and a strong one to offer
// instead. A partner who may want into the other's key file knows their
// names and dates: those are passed in as words an attacker would try first.
#ifndef MEND_CLIENT_CLI_PASSPHRASE_STRENGTH_H_
#define MEND_CLIENT_CLI_PASSPHRASE_STRENGTH_H_

#include <string>
#include <vector>

#include "crypto/secret_bytes.h"

namespace mend::client {

// Below this many bits of zxcvbn's estimate a passphrase is refused unless
// the person insists. With Argon2id MODERATE (~0.5 s a guess on one core),
// 50 bits is centuries on one machine and years on a rack of them.
inline constexpr double kMinPassphraseBits = 50;

// zxcvbn's estimate, in bits, treating `personal_words` as the likeliest guesses.
double PassphraseBits(const crypto::SecretBytes& passphrase,
                      const std::vector<std::string>& personal_words);

// Seven words drawn uniformly from 256 (56 bits), separated by spaces.
crypto::SecretBytes SuggestPassphrase();

}  // namespace mend::client

#endif  // MEND_CLIENT_CLI_PASSPHRASE_STRENGTH_H_
