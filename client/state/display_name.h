// What a display name may be: 1 to 64 bytes of UTF-8 with no control
// character (C0, DEL, C1) and no bidirectional control. A name is shown on
// the partner's screen beside their words, in the safety-number prompt and on
// every log line; a newline or a bidi override in it could make one line look
// like two, or reorder what mend itself prints.
#ifndef MEND_CLIENT_STATE_DISPLAY_NAME_H_
#define MEND_CLIENT_STATE_DISPLAY_NAME_H_

#include <string_view>

namespace mend::client {

bool IsDisplayName(std::string_view name);

}  // namespace mend::client

#endif  // MEND_CLIENT_STATE_DISPLAY_NAME_H_
