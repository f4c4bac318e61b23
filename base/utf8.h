// UTF-8 sequences and the code points no person's text should carry onto a
// screen: what the terminal filter escapes and what a display name may not
// hold are the same list, kept here once.
#ifndef MEND_BASE_UTF8_H_
#define MEND_BASE_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mend::base {

// Length of the multi-byte UTF-8 sequence that `lead` starts; 0 when it
// cannot start one (ASCII included).
size_t Utf8SequenceLength(unsigned char lead);

// The code point of a complete multi-byte sequence, or nullopt for a
// malformed, overlong, surrogate or out-of-range one.
std::optional<uint32_t> DecodeUtf8(std::string_view sequence);

// C1 controls and the Unicode bidirectional controls (U+061C, U+200E,
// U+200F, U+202A..U+202E, U+2066..U+2069).
bool IsC1OrBidiControl(uint32_t code_point);

}  // namespace mend::base

#endif  // MEND_BASE_UTF8_H_
