#include "server/log_store.h"

#include "base/status_macros.h"
#include "crypto/entry_codec.h"

namespace mend::server {

absl::StatusOr<mend::v1::HeadRecord> CurrentHead(LogStore* store, const Bytes& couple_id) {
  ASSIGN_OR_RETURN(mend::v1::HeadRecord head, store->GetHead(couple_id));
  if (head.seq() == 0) head.set_hash(crypto::GenesisPrevHash(couple_id));
  return head;
}

}  // namespace mend::server
