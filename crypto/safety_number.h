// Numbers that two people compare out of band (PROTOCOL.md "Safety number",
// "Chain code").
#ifndef MEND_CRYPTO_SAFETY_NUMBER_H_
#define MEND_CRYPTO_SAFETY_NUMBER_H_

#include <string>
#include <string_view>

#include "crypto/identity.h"

namespace mend::crypto {

// 60 digits in 12 groups of five, the same whichever member computes it.
std::string SafetyNumber(const PublicIdentity& a, const PublicIdentity& b);
// 30 digits for one member (the half that the safety number sorts and joins).
std::string SafetyNumberHalf(const PublicIdentity& member);
// "SEQ:DDDDD-DDDDD": seq and 10 digits from the head hash.
std::string ChainCode(uint64_t seq, std::string_view head_hash);

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_SAFETY_NUMBER_H_
