// mend-load: a load generator for mendd and its baselines, measured on the
// same machine in the same run. Prints one JSON object per run:
//   {"mode", "ops", "seconds", "ops_per_s", "p50_us", "p99_us", "p999_us", ...}
// Modes:
//   append      --server ADDR --couples N --concurrency C --seconds S   signed, encrypted, fsynced appends
//   fetch       --server ADDR --entries K                              stream a K-entry log
//   watch       --server ADDR --count K                                append-to-delivery latency
//   echo        --concurrency C --seconds S --size B                   no-op unary gRPC (in-process server)
//   stream      --entries K --size B                                   raw gRPC server streaming
//   rocksdb     --dir D --concurrency C --seconds S --size B           raw RocksDB sync=true puts
#include <grpcpp/grpcpp.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "CLI/CLI.hpp"
#include "crypto/init.h"
#include "echo.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tests/server/test_server.h"

namespace {

using Clock = std::chrono::steady_clock;
using mend::testing::TestCouple;

struct Samples {
  std::mutex mu;
  std::vector<double> micros;
  void Add(const std::vector<double>& v) {
    std::lock_guard l(mu);
    micros.insert(micros.end(), v.begin(), v.end());
  }
};

nlohmann::json Summary(const std::string& mode, Samples& s, double seconds, nlohmann::json extra = {}) {
  std::sort(s.micros.begin(), s.micros.end());
  auto pct = [&](double p) {
    return s.micros.empty() ? 0.0 : s.micros[std::min(s.micros.size() - 1, static_cast<size_t>(p * s.micros.size()))];
  };
  nlohmann::json j = {{"mode", mode}, {"ops", s.micros.size()}, {"seconds", seconds},
                      {"ops_per_s", s.micros.size() / seconds}, {"p50_us", pct(0.50)}, {"p99_us", pct(0.99)},
                      {"p999_us", pct(0.999)}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

double Micros(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

// Runs `body(thread_index, stop)` on `concurrency` threads for `seconds`; each
// returns its latency samples. Returns the elapsed wall time.
template <typename Body>
double RunTimed(int concurrency, double seconds, Samples& samples, Body body) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] { samples.Add(body(t, stop)); });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int RunAppend(const std::string& server, int couples, int concurrency, double seconds, int payload) {
  std::vector<std::unique_ptr<TestCouple>> cs;
  for (int i = 0; i < couples; ++i) {
    cs.push_back(std::make_unique<TestCouple>(server));
    if (!cs.back()->Pair()) {
      std::cerr << "mend-load: pairing failed; run mendd with --registration open and high append limits\n";
      return 1;
    }
  }
  // One writer per couple at a time: a couple's chain is a sequence.
  Samples samples;
  double elapsed = RunTimed(concurrency, seconds, samples, [&](int t, std::atomic<bool>& stop) {
    std::vector<double> mine;
    TestCouple& c = *cs[static_cast<size_t>(t % couples)];
    auto* m = (t / couples) % 2 ? c.b.get() : c.a.get();
    std::string prev = c.genesis();
    uint64_t seq = 0;
    while (!stop) {
      auto entry = c.Entry(*m, seq + 1, prev, 0, static_cast<size_t>(payload));
      auto t0 = Clock::now();
      mend::v1::Head head, stale;
      grpc::Status s = m->Append(entry, &head, &stale);
      auto t1 = Clock::now();
      if (s.ok()) {
        mine.push_back(Micros(t0, t1));
        seq = head.seq();
        prev = head.hash();
      } else if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
        seq = stale.seq();
        prev = stale.hash();
      } else {
        std::cerr << "mend-load: append: " << s.error_message() << "\n";
        break;
      }
    }
    return mine;
  });
  std::cout << Summary("append", samples, elapsed, {{"couples", couples}, {"concurrency", concurrency}}).dump() << std::endl;
  return 0;
}

int RunFetch(const std::string& server, int entries) {
  TestCouple c(server);
  if (!c.Pair()) return 1;
  std::string prev = c.genesis();
  for (int seq = 1; seq <= entries; ++seq) {
    mend::v1::Head head;
    if (!c.a->Append(c.Entry(*c.a, static_cast<uint64_t>(seq), prev), &head).ok()) return 1;
    prev = head.hash();
  }
  Samples samples;
  auto t0 = Clock::now();
  auto got = c.b->Fetch(c.couple_id, 0);
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  samples.micros.assign(got.size(), 0.0);
  std::cout << Summary("fetch", samples, elapsed, {{"entries", got.size()}}).dump() << std::endl;
  return got.size() == static_cast<size_t>(entries) ? 0 : 1;
}

int RunWatch(const std::string& server, int count) {
  TestCouple c(server);
  if (!c.Pair()) return 1;
  Samples samples;
  std::mutex mu;
  std::map<uint64_t, Clock::time_point> sent;
  grpc::ClientContext ctx;
  c.b->Authorize(&ctx, c.b->token);
  mend::v1::WatchRequest req;
  req.set_couple_id(c.couple_id);
  auto reader = c.b->log->Watch(&ctx, req);
  std::thread writer([&] {
    std::string prev = c.genesis();
    for (int seq = 1; seq <= count; ++seq) {
      {
        std::lock_guard l(mu);
        sent[static_cast<uint64_t>(seq)] = Clock::now();
      }
      mend::v1::Head head;
      if (!c.a->Append(c.Entry(*c.a, static_cast<uint64_t>(seq), prev), &head).ok()) return;
      prev = head.hash();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  const auto start = Clock::now();
  mend::v1::Entry e;
  int received = 0;
  while (received < count && reader->Read(&e)) {
    auto now = Clock::now();
    mend::v1::EntryHeader h;
    h.ParseFromString(e.header());
    std::lock_guard l(mu);
    samples.micros.push_back(Micros(sent[h.seq()], now));
    ++received;
  }
  ctx.TryCancel();
  writer.join();
  std::cout << Summary("watch", samples, std::chrono::duration<double>(Clock::now() - start).count()).dump() << std::endl;
  return 0;
}

class EchoService final : public mend::bench::Echo::Service {
  grpc::Status Echo(grpc::ServerContext*, const mend::bench::Blob* in, mend::bench::Blob* out) override {
    *out = *in;
    return grpc::Status::OK;
  }
  grpc::Status Stream(grpc::ServerContext*, const mend::bench::StreamRequest* req,
                      grpc::ServerWriter<mend::bench::Blob>* writer) override {
    mend::bench::Blob blob;
    blob.set_data(std::string(req->size(), 'x'));
    for (uint32_t i = 0; i < req->count(); ++i) {
      if (!writer->Write(blob)) break;
    }
    return grpc::Status::OK;
  }
};

struct EchoServer {
  EchoService service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  EchoServer() {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(&service);
    server = b.BuildAndStart();
  }
};

int RunEcho(int concurrency, double seconds, int size) {
  EchoServer es;
  Samples samples;
  double elapsed = RunTimed(concurrency, seconds, samples, [&](int, std::atomic<bool>& stop) {
    auto stub = mend::bench::Echo::NewStub(mend::testing::MakeChannel("127.0.0.1:" + std::to_string(es.port)));
    mend::bench::Blob in, out;
    in.set_data(std::string(static_cast<size_t>(size), 'x'));
    std::vector<double> mine;
    while (!stop) {
      grpc::ClientContext ctx;
      auto t0 = Clock::now();
      if (!stub->Echo(&ctx, in, &out).ok()) break;
      mine.push_back(Micros(t0, Clock::now()));
    }
    return mine;
  });
  std::cout << Summary("echo", samples, elapsed, {{"concurrency", concurrency}, {"size", size}}).dump() << std::endl;
  es.server->Shutdown();
  return 0;
}

int RunStream(int entries, int size) {
  EchoServer es;
  auto stub = mend::bench::Echo::NewStub(mend::testing::MakeChannel("127.0.0.1:" + std::to_string(es.port)));
  mend::bench::StreamRequest req;
  req.set_count(static_cast<uint32_t>(entries));
  req.set_size(static_cast<uint32_t>(size));
  grpc::ClientContext ctx;
  Samples samples;
  auto t0 = Clock::now();
  auto reader = stub->Stream(&ctx, req);
  mend::bench::Blob b;
  while (reader->Read(&b)) samples.micros.push_back(0);
  reader->Finish();
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  std::cout << Summary("stream", samples, elapsed, {{"size", size}}).dump() << std::endl;
  es.server->Shutdown();
  return 0;
}

int RunRocksDb(const std::string& dir, int concurrency, double seconds, int size) {
  std::filesystem::remove_all(dir);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.enable_pipelined_write = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, dir, &raw).ok()) return 1;
  std::unique_ptr<rocksdb::DB> db(raw);
  Samples samples;
  double elapsed = RunTimed(concurrency, seconds, samples, [&](int t, std::atomic<bool>& stop) {
    std::string value(static_cast<size_t>(size), 'v');
    rocksdb::WriteOptions wo;
    wo.sync = true;
    std::vector<double> mine;
    for (uint64_t i = 0; !stop; ++i) {
      auto t0 = Clock::now();
      if (!db->Put(wo, std::to_string(t) + "/" + std::to_string(i), value).ok()) break;
      mine.push_back(Micros(t0, Clock::now()));
    }
    return mine;
  });
  std::cout << Summary("rocksdb", samples, elapsed, {{"concurrency", concurrency}, {"size", size}}).dump() << std::endl;
  db.reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (!mend::crypto::Initialize().ok()) return 1;
  CLI::App app{"mend-load: load generator and baselines for mendd"};
  std::string mode, server = "127.0.0.1:7850", dir = "/tmp/mend-load-rocksdb";
  int couples = 64, concurrency = 64, entries = 10000, count = 200, size = 400;
  double seconds = 5;
  app.add_option("mode", mode, "append, fetch, watch, echo, stream or rocksdb")->required()
      ->check(CLI::IsMember({"append", "fetch", "watch", "echo", "stream", "rocksdb"}));
  app.add_option("--server", server, "mendd address");
  app.add_option("--couples", couples, "couples to create");
  app.add_option("--concurrency", concurrency, "concurrent clients");
  app.add_option("--seconds", seconds, "duration");
  app.add_option("--entries", entries, "entries to fetch or stream");
  app.add_option("--count", count, "entries to watch");
  app.add_option("--size", size, "payload bytes for the baselines (an entry is about this size)");
  app.add_option("--dir", dir, "RocksDB directory for the raw baseline");
  CLI11_PARSE(app, argc, argv);
  if (mode == "append") return RunAppend(server, couples, concurrency, seconds, 40);
  if (mode == "fetch") return RunFetch(server, entries);
  if (mode == "watch") return RunWatch(server, count);
  if (mode == "echo") return RunEcho(concurrency, seconds, size);
  if (mode == "stream") return RunStream(entries, size);
  return RunRocksDb(dir, concurrency, seconds, size);
}
