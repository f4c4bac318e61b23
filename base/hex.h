// Hexadecimal text for bytes: ids and hashes in messages, files and tests.
#ifndef MEND_BASE_HEX_H_
#define MEND_BASE_HEX_H_

#include <optional>
#include <string>
#include <string_view>

namespace mend::base {

// Lowercase hex of `data`.
std::string ToHex(std::string_view data);
// Parses lowercase or uppercase hex; nullopt on odd length or a non-hex digit.
std::optional<std::string> FromHex(std::string_view hex);

}  // namespace mend::base

#endif  // MEND_BASE_HEX_H_
