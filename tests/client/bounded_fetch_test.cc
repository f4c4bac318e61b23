// A hostile server cannot exhaust the client: a Fetch that streams past what
// was asked is cut off after `limit` entries, and a sync pages through a long
// log, verifying each page before asking for the next.
#include <gtest/gtest.h>

#include <atomic>

#include "client/core/connection.h"
#include "proto/wire.h"
#include "tests/client/two_partners.h"

namespace mend::client {
namespace {

// Answers logins and then streams entries without end, ignoring the limit.
class EndlessServer final : public mend::v1::ServerInfo::Service,
                            public mend::v1::Auth::Service,
                            public mend::v1::Log::Service {
 public:
  grpc::Status GetInfo(grpc::ServerContext*, const mend::v1::GetInfoRequest*,
                       mend::v1::GetInfoResponse* response) override {
    response->set_protocol_version(wire::kProtocolVersion);
    return grpc::Status::OK;
  }
  grpc::Status Challenge(grpc::ServerContext*, const mend::v1::ChallengeRequest*,
                         mend::v1::ChallengeResponse* response) override {
    response->set_nonce(std::string(32, 'n'));
    response->set_server_id(std::string(16, 's'));
    return grpc::Status::OK;
  }
  grpc::Status Login(grpc::ServerContext*, const mend::v1::LoginRequest*,
                     mend::v1::LoginResponse* response) override {
    response->set_token("token");
    return grpc::Status::OK;
  }
  grpc::Status Fetch(grpc::ServerContext* context, const mend::v1::FetchRequest*,
                     grpc::ServerWriter<mend::v1::Entry>* writer) override {
    mend::v1::Entry entry;
    entry.set_ciphertext(std::string(1024, 'c'));
    for (int i = 0; i < 20000 && !context->IsCancelled(); ++i) {
      if (!writer->Write(entry)) break;
      ++sent;
    }
    return grpc::Status::OK;
  }
  std::atomic<int> sent{0};
};

TEST(BoundedFetch, AServerThatStreamsPastTheLimitIsCutOffAndRefused) {
  EndlessServer fake;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(static_cast<mend::v1::ServerInfo::Service*>(&fake));
  builder.RegisterService(static_cast<mend::v1::Auth::Service*>(&fake));
  builder.RegisterService(static_cast<mend::v1::Log::Service*>(&fake));
  auto server = builder.BuildAndStart();
  ASSERT_NE(port, 0);
  auto conn = Connection::Open({"127.0.0.1:" + std::to_string(port), ""});
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto identity = crypto::Identity::Generate();
  (*conn)->set_identity(&identity);
  auto fetched = (*conn)->Fetch(std::string(16, 'c'), 0, 10);
  ASSERT_FALSE(fetched.ok());
  EXPECT_TRUE(absl::IsDataLoss(fetched.status())) << fetched.status();
  EXPECT_NE(std::string(fetched.status().message()).find("more than the 10 entries"),
            std::string::npos);
  server->Shutdown();
  // The client stopped reading and cancelled: HTTP/2 flow control lets the
  // server get a window ahead (a few MiB at most), never the whole 20 MiB stream.
  EXPECT_LT(fake.sent.load(), 10000);
}

class LongLogSyncTest : public TwoPartnersTest {};

TEST_F(LongLogSyncTest, ASyncPagesThroughALogLongerThanOnePage) {
  for (int i = 0; i < 1100; ++i) CheckIn(*alex_, 1 + i % 10);
  auto report = sam_->Sync();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->new_entries, 1100u);
  EXPECT_EQ(sam_->head().seq, alex_->head().seq);
  EXPECT_EQ(Open("sam")->head().seq, alex_->head().seq);  // every page reached the replica
}

}  // namespace
}  // namespace mend::client
