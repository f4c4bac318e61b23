// MACs on the profile's local files that are not secret but must not be
// changed behind mend's back: state.json (the verified head, the partner's
// keys, whether the safety number was compared) and the server settings in
// config.toml. Without them, someone with the files but not the passphrase
// could edit the verified head, point the client at their own server, or
// mark the safety number as compared. A MAC does not stop putting back an
// older genuine copy of a file (it has no counter): SECURITY.md says so.
// PROTOCOL.md "Client files".
#ifndef MEND_CLIENT_CORE_LOCAL_MAC_H_
#define MEND_CLIENT_CORE_LOCAL_MAC_H_

#include <string>
#include <string_view>

#include "crypto/identity.h"
#include "crypto/secret_bytes.h"

namespace mend::client {

// KDF(identity seed, 3, "mendlocl").
crypto::SecretBytes LocalFilesKey(const crypto::Identity& identity);

// hex(BLAKE2b-256(key, label || data)).
std::string LocalMac(const crypto::SecretBytes& key, std::string_view label, std::string_view data);

// Constant-time comparison of a stored hex MAC with the expected one.
bool LocalMacMatches(const crypto::SecretBytes& key, std::string_view label, std::string_view data,
                     std::string_view stored_hex);

}  // namespace mend::client

#endif  // MEND_CLIENT_CORE_LOCAL_MAC_H_
