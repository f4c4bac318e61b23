// Two paired client sessions (Alex and Sam) against a real in-process mendd
// with a RocksDB directory the test owns, so that it can stop the server and
// edit or restore its store.
#ifndef MEND_TESTS_CLIENT_TWO_PARTNERS_H_
#define MEND_TESTS_CLIENT_TWO_PARTNERS_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "base/atomic_file.h"
#include "client/core/local_mac.h"
#include "client/core/session.h"
#include "client/core/verification_error.h"
#include "tests/server/test_server.h"

namespace mend::client {

using mend::testing::TempDir;
using mend::testing::TestServer;

class TwoPartnersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = TempDir("mend-home");
    data_ = TempDir("mendd-data");
    setenv("MEND_HOME", home_.c_str(), 1);
    StartServer();
    // Minimum Argon2id limits keep the many unlocks here fast; the CLI
    // end-to-end test uses the real (MODERATE) ones.
    const auto fast = crypto::KdfLimits::MinimumForTests();
    ASSERT_TRUE(
        Session::Init(Profile::Locate("alex"), "Alex", {address_, ""}, pass_, false, fast).ok());
    ASSERT_TRUE(
        Session::Init(Profile::Locate("sam"), "Sam", {address_, ""}, pass_, false, fast).ok());
    alex_ = Open("alex");
    sam_ = Open("sam");
    if (clock_) {
      alex_->set_clock(clock_);
      sam_->set_clock(clock_);
    }
    auto code = alex_->Invite("", 3600);
    ASSERT_TRUE(code.ok()) << code.status();
    ASSERT_TRUE(sam_->Join(*code).ok());
    ASSERT_TRUE(alex_->Sync().ok());  // sees Sam's answer; waits for the safety number
    ASSERT_TRUE(alex_->ConfirmSafetyNumber().ok());  // confirms Sam, grants, writes the Genesis
    ASSERT_TRUE(sam_->ConfirmSafetyNumber().ok());
    ASSERT_TRUE(sam_->Sync().ok());  // Joined
    ASSERT_EQ(sam_->head().seq, 2u);
  }
  void TearDown() override {
    alex_.reset();
    sam_.reset();
    server_.reset();
    unsetenv("MEND_HOME");
    std::filesystem::remove_all(home_);
    std::filesystem::remove_all(data_);
  }
  // Starts the server the sessions use and sets address_ (virtual: a test
  // may give them several nodes instead).
  virtual void StartServer() {
    server_ = std::make_unique<TestServer>(server::RegistrationMode::kOpen,
                                           TestServer::TestLimits(), data_);
    address_ = server_->address();
    for (const char* p : {"alex", "sam"}) {
      Profile profile = Profile::Locate(p);
      if (profile.Exists()) {
        ASSERT_TRUE(profile.SaveServerConfig({address_, ""}, LocalKeyOf(p)).ok());
      }
    }
  }
  void StopServer() { server_.reset(); }
  // The key of the profile's local-file MACs, as mend itself derives it:
  // for tests that edit state.json or config.toml the way mend would.
  crypto::SecretBytes LocalKeyOf(const std::string& name) {
    auto keys = crypto::KeyFile::Read(Profile::Locate(name).key_path(), pass_);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return LocalFilesKey(*crypto::Identity::FromSeed(keys->identity_seed));
  }
  std::unique_ptr<Session> Open(const std::string& name) {
    auto s = Session::Open(Profile::Locate(name), pass_);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }
  // Sessions keep their connection's address; reopen after a restart.
  void Reopen() {
    alex_ = Open("alex");
    sam_ = Open("sam");
  }
  uint64_t CheckIn(Session& s, uint32_t mood) {
    mend::v1::Payload p;
    p.mutable_check_in()->set_mood(mood);
    auto seq = s.Append(p);
    EXPECT_TRUE(seq.ok()) << seq.status();
    return seq.value_or(0);
  }
  std::string Replica(const std::string& name) {
    return base::ReadWholeFile(Profile::Locate(name).replica_path()).value_or("");
  }
  // Expects the next sync of `s` to fail verification with `needle` in the message
  // and to leave its replica as it was.
  void ExpectSyncFails(const std::string& profile, const std::string& needle) {
    auto session = Open(profile);
    std::string before = Replica(profile);
    uint64_t head_before = session->head().seq;
    auto r = session->Sync();
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(IsVerificationError(r.status())) << r.status();
    EXPECT_NE(std::string(r.status().message()).find(needle), std::string::npos) << r.status();
    EXPECT_EQ(Replica(profile), before);
    EXPECT_EQ(Open(profile)->head().seq, head_before);
  }

  std::filesystem::path home_, data_;
  std::string address_;
  crypto::SecretBytes pass_ = crypto::SecretBytes::CopyOf("a long test passphrase");
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Session> alex_, sam_;
  // When set before SetUp, both sessions use it from pairing on: one clock
  // for both, as real devices share real time.
  std::function<int64_t()> clock_;
};

}  // namespace mend::client

#endif  // MEND_TESTS_CLIENT_TWO_PARTNERS_H_
