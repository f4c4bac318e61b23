// mend doctor's facts: exposed files, the clock against the server's, and
// the server's log against the verified copy (including a server that
// rolled back or forked it). The words and exit codes are in the CLI
// transcript tests/cli/testdata/doctor.txt.
#include "client/core/doctor.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "crypto/entry_codec.h"
#include "tests/client/tampered_store.h"

namespace mend::client {
namespace {

using Verdict = ServerLogCheck::Verdict;

TEST(ReadClockTest, SkewIsMeasuredFromTheRoundTripsMidpoint) {
  // Sent at 1000, answered at 1100: the server spoke at about 1050.
  auto reading = ReadClock(1000, 1050 - 300'000, 1100);
  ASSERT_TRUE(reading);
  EXPECT_EQ(reading->skew_ms, 300'000);  // this device is 5 min ahead
  EXPECT_EQ(reading->uncertainty_ms, 50);
  reading = ReadClock(1000, 1050 + 7'000, 1100);
  EXPECT_EQ(reading->skew_ms, -7'000);
}

TEST(ReadClockTest, AServerThatDoesNotSayItsTimeGivesNoReading) {
  EXPECT_FALSE(ReadClock(1000, 0, 1100));
}

TEST(ReadClockTest, AClockSetBackDuringTheCallIsNotANegativeRoundTrip) {
  auto reading = ReadClock(1000, 1000, 900);
  ASSERT_TRUE(reading);
  EXPECT_EQ(reading->uncertainty_ms, 0);
  EXPECT_EQ(reading->skew_ms, 0);
}

TEST(ReadClockTest, TwoDevicesWithinTheAllowanceAreWithinTheFoldsTolerance) {
  EXPECT_LE(2 * ClockSkewAllowedMs(), kClockSkewMs);
}

class DoctorTest : public TamperedStoreTest {
 protected:
  ServerLogCheck Compare(Session& session) {
    auto check = CompareServerLog(session);
    EXPECT_TRUE(check.ok()) << check.status();
    return check.value_or(ServerLogCheck{});
  }
};

TEST_F(DoctorTest, AProfileMadeByMendIsItsOwnersAlone) {
  size_t checked = 0;
  EXPECT_TRUE(FindExposedPaths(Profile::Locate("sam"), &checked).empty());
  EXPECT_GE(checked, 4u);  // the directory, key, replica, state.json, config.toml, ...
}

TEST_F(DoctorTest, FilesOthersCouldReadAreFound) {
  const Profile sam = Profile::Locate("sam");
  ASSERT_EQ(::chmod(sam.state_path().c_str(), 0644), 0);
  ASSERT_EQ(::chmod(sam.dir().c_str(), 0750), 0);
  auto exposed = FindExposedPaths(sam, nullptr);
  ASSERT_EQ(exposed.size(), 2u);
  EXPECT_EQ(exposed[0].path, sam.dir());
  EXPECT_EQ(exposed[0].mode, 0750u);
  EXPECT_TRUE(exposed[0].directory);
  EXPECT_EQ(exposed[1].path, sam.state_path());
  EXPECT_EQ(exposed[1].mode, 0644u);
  EXPECT_FALSE(exposed[1].foreign_owner);
}

TEST_F(DoctorTest, AFolderOthersCouldWriteIntoAboveTheProfileIsFound) {
  const Profile sam = Profile::Locate("sam");
  const std::string above = std::filesystem::path(sam.dir()).parent_path().string();
  ASSERT_EQ(::chmod(above.c_str(), 0755), 0);  // others may look in: fine
  EXPECT_TRUE(FindExposedPaths(sam, nullptr).empty());
  ASSERT_EQ(::chmod(above.c_str(), 0775), 0);  // the group may write: not
  auto exposed = FindExposedPaths(sam, nullptr);
  ASSERT_EQ(exposed.size(), 1u);
  EXPECT_EQ(exposed[0].path, above);
  EXPECT_TRUE(exposed[0].holds_profile);
  ::chmod(above.c_str(), 0700);
}

TEST_F(DoctorTest, AKeyFileReplacedByALinkIsFound) {
  const Profile sam = Profile::Locate("sam");
  const std::string elsewhere = home_.string() + "/key-elsewhere";
  std::filesystem::rename(sam.key_path(), elsewhere);
  std::filesystem::create_symlink(elsewhere, sam.key_path());
  auto exposed = FindExposedPaths(sam, nullptr);
  ASSERT_EQ(exposed.size(), 1u);
  EXPECT_EQ(exposed[0].path, sam.key_path());
  EXPECT_TRUE(exposed[0].symlink);
}

TEST_F(DoctorTest, TheServersLogIsComparedWithTheVerifiedCopy) {
  ServerLogCheck check = Compare(*sam_);
  EXPECT_EQ(check.verdict, Verdict::kSame);
  EXPECT_EQ(check.local_seq, 2u);
  CheckIn(*alex_, 7);
  CheckIn(*alex_, 8);
  check = Compare(*sam_);
  EXPECT_EQ(check.verdict, Verdict::kAhead);
  EXPECT_EQ(check.server_seq, 4u);
  EXPECT_EQ(sam_->head().seq, 2u);  // nothing was taken from the server
}

TEST_F(DoctorTest, AServerThatDroppedVerifiedEntriesHasRolledBack) {
  CheckIn(*alex_, 7);
  ASSERT_TRUE(sam_->Sync().ok());
  const std::string couple_id = sam_->state().couple_id;
  const std::string hash2 = sam_->entries()[1].hash;
  EditStore([&](StoreEditor& editor) {
    editor.DeleteEntry(couple_id, 3);
    editor.SetHead(couple_id, 2, hash2);
  });
  auto sam = Open("sam");
  ServerLogCheck check = Compare(*sam);
  EXPECT_EQ(check.verdict, Verdict::kRolledBack);
  EXPECT_EQ(check.server_seq, 2u);
  EXPECT_EQ(check.local_seq, 3u);
}

TEST_F(DoctorTest, TheHeadComparedIsTheVerifiedOneWhenTheReplicaLostItsTornTail) {
  CheckIn(*alex_, 7);
  ASSERT_TRUE(sam_->Sync().ok());  // Sam verified entry 3
  const std::string couple_id = sam_->state().couple_id;
  const std::string hash2 = sam_->entries()[1].hash;
  sam_.reset();
  // A crash tore the replica's last record: an open drops it, so the
  // replica ends at 2 while state.json remembers verifying 3.
  const std::string replica = Profile::Locate("sam").replica_path();
  std::filesystem::resize_file(replica, std::filesystem::file_size(replica) - 5);
  EditStore([&](StoreEditor& editor) {
    editor.DeleteEntry(couple_id, 3);
    editor.SetHead(couple_id, 2, hash2);
  });
  auto sam = Open("sam");
  ASSERT_EQ(sam->head().seq, 2u);
  ServerLogCheck check = Compare(*sam);
  EXPECT_EQ(check.verdict, Verdict::kRolledBack);
  EXPECT_EQ(check.local_seq, 3u);
}

TEST_F(DoctorTest, AServerShowingAnotherEntryWhereTheCopyHasOneHasForked) {
  CheckIn(*alex_, 7);
  ASSERT_TRUE(sam_->Sync().ok());  // Sam verified entry 3
  const std::string couple_id = alex_->state().couple_id;
  const auto [alt3, alt4] = ForkAfterEntryTwo();
  // The same head as Sam's, another entry under it; then one built on it.
  EditStore([&](StoreEditor& editor) {
    editor.PutEntry(couple_id, 3, alt3);
    editor.SetHead(couple_id, 3, crypto::EntryHash(alt3.header(), alt3.ciphertext()));
  });
  EXPECT_EQ(Compare(*Open("sam")).verdict, Verdict::kForked);
  EditStore([&](StoreEditor& editor) {
    editor.PutEntry(couple_id, 4, alt4);
    editor.SetHead(couple_id, 4, crypto::EntryHash(alt4.header(), alt4.ciphertext()));
  });
  ServerLogCheck check = Compare(*Open("sam"));
  EXPECT_EQ(check.verdict, Verdict::kForked);
  EXPECT_EQ(check.server_seq, 4u);
}

}  // namespace
}  // namespace mend::client
