// Entry kinds as one table (client/state/kinds/kind.h): every case of
// Payload.kind, as the proto declares it, has one complete record.
#include <gtest/gtest.h>

#include <set>

#include "client/state/fold.h"
#include "client/state/kinds/kind.h"

namespace mend::client {
namespace {

using mend::v1::Payload;

TEST(EntryKinds, EveryCaseOfThePayloadOneofHasACompleteRecord) {
  const auto* oneof = Payload::descriptor()->FindOneofByName("kind");
  ASSERT_NE(oneof, nullptr);
  ASSERT_GT(oneof->field_count(), 0);
  std::set<std::string_view> names;
  for (int i = 0; i < oneof->field_count(); ++i) {
    const auto* field = oneof->field(i);
    const auto kind = static_cast<Payload::KindCase>(field->number());
    const KindRecord* record = FindKind(kind);
    ASSERT_NE(record, nullptr) << field->name() << " has no record in client/state/kinds/";
    EXPECT_EQ(record->kind, kind);
    EXPECT_FALSE(record->name.empty()) << field->name();
    EXPECT_TRUE(names.insert(record->name).second) << "two kinds are called " << record->name;
    EXPECT_NE(record->check, nullptr) << field->name() << " has no rules";
    EXPECT_NE(record->apply, nullptr)
        << field->name() << " says nothing of the state (NoStateChange, if so)";
    // The name is how `mend log --kind` and `mend export --only` find it.
    EXPECT_EQ(ParseKindName(std::string(record->name)), kind) << field->name();
    Payload probe;
    probe.GetReflection()->MutableMessage(&probe, field);
    EXPECT_EQ(KindName(probe), record->name);
  }
  // No record for a case the proto does not have.
  EXPECT_EQ(AllKinds().size(), static_cast<size_t>(oneof->field_count()));
  EXPECT_EQ(FindKind(Payload::KIND_NOT_SET), nullptr);
}

TEST(EntryKinds, ARequestForSpaceWelcomesOnlyWhatItSays) {
  using mend::v1::CONTACT_CHECKINS_ONLY;
  using mend::v1::CONTACT_NONE;
  using mend::v1::CONTACT_URGENT_ONLY;
  auto welcome = [](Payload::KindCase kind, mend::v1::Contact contact) {
    return WelcomeDuringSpace(FindKind(kind)->during_space, contact);
  };
  // A new ask of the partner waits, whatever contact is welcome.
  for (auto contact : {CONTACT_NONE, CONTACT_URGENT_ONLY, CONTACT_CHECKINS_ONLY}) {
    EXPECT_FALSE(welcome(Payload::kTrigger, contact));
    EXPECT_FALSE(welcome(Payload::kQuestion, contact));
    EXPECT_FALSE(welcome(Payload::kLetter, contact));
    EXPECT_FALSE(welcome(Payload::kCommitmentProposal, contact));
    EXPECT_TRUE(welcome(Payload::kLeave, contact));
    EXPECT_TRUE(welcome(Payload::kCommitmentOutcome, contact));
  }
  EXPECT_FALSE(welcome(Payload::kAcknowledgement, CONTACT_NONE));
  EXPECT_TRUE(welcome(Payload::kAcknowledgement, CONTACT_URGENT_ONLY));
  EXPECT_FALSE(welcome(Payload::kCheckIn, CONTACT_URGENT_ONLY));
  EXPECT_TRUE(welcome(Payload::kCheckIn, CONTACT_CHECKINS_ONLY));
}

}  // namespace
}  // namespace mend::client
