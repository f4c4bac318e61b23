// The progress display: nothing for quick work or when disabled, a line
// redrawn in place with done, total and rate after a moment, erased when the
// work is done; and the session's reports it is driven by.
#include "client/cli/progress_meter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/client/two_partners.h"

namespace mend::client {
namespace {

using Work = Progress::Work;

// The meter writing into a pipe, on a clock the test moves.
class MeterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::pipe2(fds_, O_NONBLOCK), 0); }
  void TearDown() override {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  std::unique_ptr<ProgressMeter> Meter(bool enabled) {
    return std::make_unique<ProgressMeter>(fds_[1], enabled, [this] { return now_; });
  }
  std::string Written() {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds_[0], buf, sizeof buf)) > 0;) out.append(buf, n);
    return out;
  }
  int fds_[2];
  int64_t now_ = 1'000'000;
};

TEST_F(MeterTest, QuickWorkShowsNothing) {
  auto meter = Meter(true);
  meter->Update({Work::kFetching, 0, 100});
  now_ += ProgressMeter::kShowAfterMs - 1;
  meter->Update({Work::kFetching, 99, 100});
  meter->Update({Work::kFetching, 100, 100});
  meter.reset();
  EXPECT_EQ(Written(), "");
}

TEST_F(MeterTest, LongWorkShowsDoneTotalAndRateThenErasesItsLine) {
  auto meter = Meter(true);
  meter->Update({Work::kFetching, 0, 11142});
  now_ += 1000;
  meter->Update({Work::kFetching, 1500, 11142});
  EXPECT_EQ(Written(), "\r\x1b[Kmend: fetching entries: 1500 of 11142 (1500/s)");
  now_ += 10;  // within kRedrawMs: not redrawn
  meter->Update({Work::kFetching, 1510, 11142});
  EXPECT_EQ(Written(), "");
  now_ += ProgressMeter::kRedrawMs;
  meter->Update({Work::kFetching, 2000, 11142});
  EXPECT_EQ(Written(), "\r\x1b[Kmend: fetching entries: 2000 of 11142 (1801/s)");
  meter->Update({Work::kFetching, 11142, 11142});
  EXPECT_EQ(Written(), "\r\x1b[K");
  meter.reset();
  EXPECT_EQ(Written(), "");  // nothing left to erase
}

TEST_F(MeterTest, ANewPieceOfWorkStartsItsOwnClock) {
  auto meter = Meter(true);
  meter->Update({Work::kFetching, 0, 1000});
  now_ += 2000;
  meter->Update({Work::kFetching, 500, 1000});
  Written();
  meter->Update({Work::kVerifying, 1, 1000});
  EXPECT_EQ(Written(), "\r\x1b[K");  // the fetching line goes at once
  now_ += ProgressMeter::kShowAfterMs;
  meter->Update({Work::kVerifying, 700, 1000});
  EXPECT_EQ(Written(), "\r\x1b[Kmend: verifying your copy: 700 of 1000 (1000/s)");
}

TEST_F(MeterTest, TheSameWorkAgainAfterOneThatStoppedShortStartsAFreshClock) {
  auto meter = Meter(true);
  meter->Update({Work::kFetching, 0, 1000});
  now_ += 5000;
  meter->Update({Work::kFetching, 500, 1000});  // then it failed
  Written();
  meter->Update({Work::kFetching, 0, 400});  // a new sync
  EXPECT_EQ(Written(), "\r\x1b[K");
  now_ += 100;
  meter->Update({Work::kFetching, 100, 400});
  EXPECT_EQ(Written(), "");  // not at once: the new work is only 0.1 s old
}

TEST_F(MeterTest, WorkThatFailsHalfwayIsErasedWhenTheMeterGoes) {
  auto meter = Meter(true);
  meter->Update({Work::kFetching, 0, 1000});
  now_ += 1000;
  meter->Update({Work::kFetching, 500, 1000});
  Written();
  meter.reset();
  EXPECT_EQ(Written(), "\r\x1b[K");
}

TEST_F(MeterTest, ADisabledMeterWritesNothing) {
  auto meter = Meter(false);
  meter->Update({Work::kFetching, 0, 1000});
  now_ += 5000;
  meter->Update({Work::kFetching, 500, 1000});
  meter.reset();
  EXPECT_EQ(Written(), "");
}

TEST(ProgressWantedTest, NotWhenQuietNorWhenStandardErrorIsNoTerminal) {
  EXPECT_FALSE(ProgressMeter::WantedOnStderr(true));
  if (!::isatty(STDERR_FILENO)) {
    EXPECT_FALSE(ProgressMeter::WantedOnStderr(false));
  }
}

// What the session reports: every entry of a sync, and of a whole history
// load, ending at done == total.
class SessionProgressTest : public TwoPartnersTest {};

TEST_F(SessionProgressTest, ASyncAndAHistoryLoadReportEachEntryUpToTheTotal) {
  for (uint32_t i = 0; i < 1200; ++i) CheckIn(*alex_, 1 + i % 10);  // three fetch pages
  std::vector<Progress> heard;
  auto sam =
      Session::Open(Profile::Locate("sam"), pass_, [&](const Progress& p) { heard.push_back(p); });
  ASSERT_TRUE(sam.ok()) << sam.status();
  heard.clear();  // what the open read, if anything
  ASSERT_TRUE((*sam)->Sync().ok());
  ASSERT_FALSE(heard.empty());
  for (size_t i = 0; i < heard.size(); ++i) {
    EXPECT_EQ(heard[i].work, Work::kFetching);
    EXPECT_EQ(heard[i].total, 1200u);
    if (i > 0) {
      EXPECT_GT(heard[i].done, heard[i - 1].done);
    }
  }
  EXPECT_EQ(heard.front().done, 0u);  // before the first page: the clock starts with the work
  EXPECT_GE(heard.size(), 4u);
  EXPECT_EQ(heard.back().done, 1200u);

  heard.clear();
  ASSERT_TRUE((*sam)->LoadHistory().ok());
  ASSERT_EQ(heard.size(), 1202u);  // one report an entry
  EXPECT_EQ(heard.front().work, Work::kVerifying);
  EXPECT_EQ(heard.back().done, 1202u);
  EXPECT_EQ(heard.back().total, 1202u);
}

}  // namespace
}  // namespace mend::client
