// What the parts of Session in this folder share.
#ifndef MEND_CLIENT_CORE_SESSION_INTERNAL_H_
#define MEND_CLIENT_CORE_SESSION_INTERNAL_H_

#include "absl/status/status.h"
#include "client/core/profile.h"

namespace mend::client {

// OK once paired; otherwise FAILED_PRECONDITION saying what pairing awaits.
absl::Status NotPaired(const ProfileState& s);

}  // namespace mend::client

#endif  // MEND_CLIENT_CORE_SESSION_INTERNAL_H_
