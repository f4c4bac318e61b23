#include <algorithm>

#include "client/state/kinds/families.h"
#include "client/state/kinds/kind.h"

namespace mend::client {

bool WelcomeDuringSpace(DuringSpace policy, mend::v1::Contact contact) {
  switch (policy) {
    case DuringSpace::kAlways:
      return true;
    case DuringSpace::kUnlessNoContact:
      return contact != mend::v1::CONTACT_NONE;
    case DuringSpace::kIfCheckInsWelcome:
      return contact == mend::v1::CONTACT_CHECKINS_ONLY;
    case DuringSpace::kNever:
      return false;
  }
  return false;
}

void NoStateChange(CoupleState&, const crypto::OpenedEntry&, int64_t) {}

const std::vector<KindRecord>& AllKinds() {
  static const std::vector<KindRecord>* all = [] {
    auto* records = new std::vector<KindRecord>;
    for (auto family :
         {kinds::Membership, kinds::CheckIns, kinds::Commitments,
          kinds::TriggersAndAcknowledgements, kinds::QuestionsAndAnswers, kinds::Letters,
          kinds::DisclosuresAndPreferences, kinds::Space, kinds::Reflections, kinds::TalkNotes}) {
      for (KindRecord& r : family()) records->push_back(r);
    }
    std::sort(records->begin(), records->end(),
              [](const KindRecord& a, const KindRecord& b) { return a.kind < b.kind; });
    return records;
  }();
  return *all;
}

const KindRecord* FindKind(mend::v1::Payload::KindCase kind) {
  for (const KindRecord& r : AllKinds()) {
    if (r.kind == kind) return &r;
  }
  return nullptr;
}

}  // namespace mend::client
