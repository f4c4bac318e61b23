#include "client/state/display_name.h"

#include "base/utf8.h"
#include "proto/wire.h"

namespace mend::client {

bool IsDisplayName(std::string_view name) {
  if (name.empty() || name.size() > wire::kMaxNameBytes) return false;
  for (size_t i = 0; i < name.size();) {
    const auto lead = static_cast<unsigned char>(name[i]);
    if (lead < 0x80) {
      if (lead < 0x20 || lead == 0x7F) return false;  // C0 controls and DEL
      ++i;
      continue;
    }
    const size_t length = base::Utf8SequenceLength(lead);
    if (length == 0 || i + length > name.size()) return false;
    const auto code_point = base::DecodeUtf8(name.substr(i, length));
    if (!code_point || base::IsC1OrBidiControl(*code_point)) return false;
    i += length;
  }
  return true;
}

}  // namespace mend::client
