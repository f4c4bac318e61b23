#include "client/core/replica.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/server/test_server.h"

namespace mend::client {
namespace {

mend::v1::Entry EntryOf(uint64_t seq, size_t bytes) {
  mend::v1::Entry e;
  e.set_header("entry " + std::to_string(seq));
  e.set_ciphertext(std::string(bytes, 'c'));
  return e;
}

// Files this process writes may grow to `limit` bytes while it lives: a full
// disk, for one append. A write past it fails with EFBIG (SIGXFSZ ignored).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t limit) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    previous_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit lower = saved_;
    lower.rlim_cur = limit;
    setrlimit(RLIMIT_FSIZE, &lower);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_);
  }

 private:
  rlimit saved_{};
  void (*previous_)(int) = nullptr;
};

// Stop 22: an append that failed after some of its bytes were written left
// them in the file, and the session (which cut the entries back in memory)
// wrote them again at its next append: entry 5 twice, a replica that no
// longer verified.
TEST(Replica, AFailedAppendLeavesTheReplicaAsItWas) {
  const std::string dir = mend::testing::TempDir("mend-replica").string();
  Replica replica(dir + "/replica");
  ASSERT_TRUE(replica.Append({EntryOf(1, 100)}).ok());
  const auto size = std::filesystem::file_size(dir + "/replica");
  {
    // Room for the first new record and half of the second.
    FileSizeLimit full_disk(size + 1000 + 600);
    EXPECT_FALSE(replica.Append({EntryOf(2, 1000), EntryOf(3, 1000)}).ok());
  }
  EXPECT_EQ(std::filesystem::file_size(dir + "/replica"), size);
  ASSERT_TRUE(replica.Append({EntryOf(2, 1000), EntryOf(3, 1000)}).ok());
  auto loaded = replica.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 3u);
  for (uint64_t i = 0; i < 3; ++i)
    EXPECT_EQ((*loaded)[i].header(), "entry " + std::to_string(i + 1));
  std::filesystem::remove_all(dir);
}

// A crash during the very first append could leave part of the magic: that
// is a replica with no entry yet, not "not a mend replica" for ever.
TEST(Replica, AFirstAppendCutShortIsAnEmptyReplica) {
  const std::string dir = mend::testing::TempDir("mend-replica").string();
  const std::string path = dir + "/replica";
  {
    std::ofstream out(path, std::ios::binary);
    out << "MEND";
  }
  Replica replica(path);
  auto empty = replica.Load();
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());
  ASSERT_TRUE(replica.Append({EntryOf(1, 10)}).ok());
  auto loaded = replica.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 1u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mend::client
