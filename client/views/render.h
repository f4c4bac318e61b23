// How entries look to a person (one line, or in full) and to a script (JSON,
// the stable shape documented in README "JSON output").
#ifndef MEND_CLIENT_VIEWS_RENDER_H_
#define MEND_CLIENT_VIEWS_RENDER_H_

#include <string>

#include "client/state/fold.h"
#include "nlohmann/json.hpp"

namespace mend::client {

// When an entry happened, as the views show it: its folded time, or "written
// 2026-11-23 16:02 / first seen 2026-11-25 09:10" where the author's claim and
// this device's first sighting differ by more than kTimeNoteMs.
std::string WhenText(const FoldedEntry& folded);
inline constexpr int64_t kTimeNoteMs = 5 * 60 * 1000;
// One line: "#12  2026-11-23 16:02  Alex  checkin  mood 7/10, hopeful: a good day".
std::string EntryLine(const CoupleState& couple, const FoldedEntry& folded);
// Every field, several lines.
std::string EntryDetail(const CoupleState& couple, const FoldedEntry& folded);
// {"seq", "created", "created_unix_ms", "written_unix_ms", "first_seen_unix_ms", "time_warning",
// "author",
//  "author_name", "kind", "valid", "invalid_reason", "payload"}; "created" is the folded time.
nlohmann::json EntryJson(const CoupleState& couple, const FoldedEntry& folded,
                         const std::string& me);

}  // namespace mend::client

#endif  // MEND_CLIENT_VIEWS_RENDER_H_
