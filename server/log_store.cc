#include "server/log_store.h"

#include "base/status_macros.h"
#include "crypto/entry_codec.h"

namespace mend::server {

mend::v1::HeadRecord WithGenesisPrevHash(mend::v1::HeadRecord head, const Bytes& couple_id) {
  if (head.seq() == 0) head.set_hash(crypto::GenesisPrevHash(couple_id));
  return head;
}

absl::StatusOr<mend::v1::HeadRecord> CurrentHead(LogStore* store, const Bytes& couple_id) {
  ASSIGN_OR_RETURN(mend::v1::HeadRecord head, store->GetHead(couple_id));
  return WithGenesisPrevHash(std::move(head), couple_id);
}

absl::StatusOr<std::map<Bytes, CoupleState>> LogStore::GetCoupleStates(
    const std::vector<Bytes>& couple_ids) {
  std::map<Bytes, CoupleState> states;
  for (const Bytes& id : couple_ids) {
    CoupleState state;
    ASSIGN_OR_RETURN(state.record, GetCouple(id));
    ASSIGN_OR_RETURN(state.head, GetHead(id));
    states.emplace(id, std::move(state));
  }
  return states;
}

}  // namespace mend::server
