// Big-endian fixed-width integers, as used in every signed or hashed message
// and in the server's keys (PROTOCOL.md "Encoding").
#ifndef MEND_BASE_BIG_ENDIAN_H_
#define MEND_BASE_BIG_ENDIAN_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace mend::base {

void AppendU32(std::string* out, uint32_t v);
void AppendU64(std::string* out, uint64_t v);
uint32_t ReadU32(std::string_view in);  // REQUIRES: in.size() >= 4
uint64_t ReadU64(std::string_view in);  // REQUIRES: in.size() >= 8

}  // namespace mend::base

#endif  // MEND_BASE_BIG_ENDIAN_H_
