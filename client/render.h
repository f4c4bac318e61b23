// How entries look to a person (one line, or in full) and to a script (JSON,
// the stable shape documented in README "JSON output").
#ifndef MEND_CLIENT_RENDER_H_
#define MEND_CLIENT_RENDER_H_

#include <string>

#include "client/fold.h"
#include "nlohmann/json.hpp"

namespace mend::client {

// "2026-11-23 16:02" in local time.
std::string LocalDateTime(int64_t unix_ms);
// One line: "#12  2026-11-23 16:02  Alex  checkin  mood 7/10, hopeful: a good day".
std::string EntryLine(const CoupleState& couple, const FoldedEntry& folded);
// Every field, several lines.
std::string EntryDetail(const CoupleState& couple, const FoldedEntry& folded);
// {"seq", "created", "created_unix_ms", "author", "author_name", "kind", "valid", "invalid_reason", "payload"}
nlohmann::json EntryJson(const CoupleState& couple, const FoldedEntry& folded, const std::string& me);

}  // namespace mend::client

#endif  // MEND_CLIENT_RENDER_H_
