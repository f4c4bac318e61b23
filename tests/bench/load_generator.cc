// mend-load: a load generator for mendd and its baselines, measured on the
// same machine in the same run. Prints one JSON object per run:
//   {"mode", "ops", "seconds", "ops_per_s", "p50_us", "p99_us", "p999_us", ...}
// Modes:
//   append      --server ADDR --couples N --seconds S [--rounds R --echo-baseline]
//                                                                      signed, encrypted, fsynced
//                                                                      appends, one in flight per
//                                                                      couple; rounds alternate
//                                                                      with the echo baseline
//   fetch       --server ADDR --entries K --repeat R                   stream a K-entry log, beside
//   raw gRPC streaming watch       --server ADDR --count K append-to-delivery latency couples
//   --server ADDR --count N --entries K                    pair N couples, K entries each (server
//   memory) sync        --steps 10,100,1000                                    client Sync and Open
//   time vs new entries (in-process)
//   --in-process runs a mendd in this process; append --prefill K then starts every couple's log K
//   entries long echo        --concurrency C --seconds S --size B                   no-op unary
//   gRPC, C in flight (in-process server) rocksdb     --dir D --concurrency C --seconds S --size B
//   raw RocksDB sync=true puts
//   postgres    --postgres CONNINFO --concurrency C --seconds S --size B  raw durable single-row
//                                                                      INSERTs, one connection
//                                                                      per writer (the ceiling of
//                                                                      mendd on PostgreSQL)
#include <grpcpp/grpcpp.h>
#include <libpq-fe.h>
#include <rocksdb/db.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>

#include "CLI/CLI.hpp"
#include "client/core/session.h"
#include "crypto/bytes.h"
#include "crypto/entry_codec.h"
#include "crypto/init.h"
#include "crypto/key_file.h"
#include "echo.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "proto/wire.h"
#include "server/rocksdb_log_store.h"
#include "server/server_state.h"
#include "spdlog/spdlog.h"
#include "tests/server/test_server.h"

namespace {

using Clock = std::chrono::steady_clock;
using mend::testing::TestCouple;

// Busy CPU time of the whole machine (every process, user + system), from
// /proc/stat: client and server share the machine, so CPU per operation over
// a run covers both sides and compares fairly between mend and a baseline.
double MachineBusySeconds() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
  stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq;
  return (user + nice + system + irq + softirq) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Samples {
  std::mutex mu;
  std::vector<double> micros;
  double busy_seconds = 0;  // machine CPU during the timed part, when measured
  void Add(const std::vector<double>& v) {
    std::lock_guard l(mu);
    micros.insert(micros.end(), v.begin(), v.end());
  }
};

nlohmann::json Summary(const std::string& mode, Samples& s, double seconds,
                       nlohmann::json extra = {}) {
  std::sort(s.micros.begin(), s.micros.end());
  auto pct = [&](double p) {
    return s.micros.empty()
               ? 0.0
               : s.micros[std::min(s.micros.size() - 1, static_cast<size_t>(p * s.micros.size()))];
  };
  nlohmann::json j = {{"mode", mode},         {"ops", s.micros.size()},
                      {"seconds", seconds},   {"ops_per_s", s.micros.size() / seconds},
                      {"p50_us", pct(0.50)},  {"p99_us", pct(0.99)},
                      {"p999_us", pct(0.999)}};
  if (s.busy_seconds > 0 && !s.micros.empty())
    j["machine_cpu_us_per_op"] = s.busy_seconds * 1e6 / s.micros.size();
  for (auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Micros(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

// Runs `body(thread_index, stop)` on `concurrency` threads for `seconds`; each
// returns its latency samples. Returns the elapsed wall time. Used for the
// RocksDB baseline, whose writers are threads by nature.
template <typename Body>
double RunTimed(int concurrency, double seconds, Samples& samples, Body body) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const double busy0 = MachineBusySeconds();
  const auto start = Clock::now();
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] { samples.Add(body(t, stop)); });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  samples.busy_seconds = MachineBusySeconds() - busy0;
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Keeps `in_flight` asynchronous calls outstanding for `seconds`: each slot
// starts its next call from the completion of the previous one, so a few
// gRPC threads drive every slot (64 blocking client threads on 2 cores would
// measure the scheduler, not the server). `start(slot, done)` begins one call
// and must call done(ok) once; a slot stops at the deadline or on !ok.
// Returns the elapsed wall time.
using StartCall = std::function<void(int slot, std::function<void(bool ok)> done)>;

double RunInFlight(int in_flight, double seconds, Samples& samples, const StartCall& start) {
  std::vector<std::vector<double>> per_slot(static_cast<size_t>(in_flight));
  std::vector<Clock::time_point> began(static_cast<size_t>(in_flight));
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable cv;
  int active = in_flight;
  std::function<void(int)> next = [&](int slot) {
    began[static_cast<size_t>(slot)] = Clock::now();
    start(slot, [&, slot](bool ok) {
      if (ok)
        per_slot[static_cast<size_t>(slot)].push_back(
            Micros(began[static_cast<size_t>(slot)], Clock::now()));
      if (ok && !stop.load()) {
        next(slot);
        return;
      }
      std::lock_guard l(mu);
      if (--active == 0) cv.notify_all();
    });
  };
  const double busy0 = MachineBusySeconds();
  const auto t0 = Clock::now();
  for (int slot = 0; slot < in_flight; ++slot) next(slot);
  {
    std::unique_lock l(mu);
    cv.wait_for(l, std::chrono::duration<double>(seconds), [&] { return active == 0; });
  }
  stop = true;
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  std::unique_lock l(mu);
  cv.wait(l, [&] { return active == 0; });
  samples.busy_seconds = MachineBusySeconds() - busy0;
  for (auto& v : per_slot) samples.Add(v);
  return elapsed;
}

// A few separate HTTP/2 connections, as many clients would open; the same
// for the echo baseline and for mendd.
std::vector<std::shared_ptr<grpc::Channel>> Channels(const std::string& address, int in_flight) {
  std::vector<std::shared_ptr<grpc::Channel>> out;
  for (int i = 0; i < std::min(in_flight, 4); ++i) {
    grpc::ChannelArguments args;
    args.SetInt("mend.bench.connection", i);  // distinct args: no shared subchannel
    // A target of several nodes (ipv4:A,B) spreads calls as mend does.
    args.SetLoadBalancingPolicyName("round_robin");
    out.push_back(grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }
  return out;
}

// Where a couple's log stands: the next entry's seq and prev hash.
struct ChainTip {
  uint64_t seq = 1;
  std::string prev;
};

// `count` entries of one couple's chain from `tip`, advancing it.
std::vector<mend::v1::Entry> BuildChain(const TestCouple& c, ChainTip* tip, size_t count,
                                        size_t payload) {
  std::vector<mend::v1::Entry> chain;
  chain.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    chain.push_back(c.Entry(*c.a, tip->seq++, tip->prev, 0, payload));
    tip->prev = mend::crypto::EntryHash(chain.back().header(), chain.back().ciphertext());
  }
  return chain;
}

// Each couple's chain, sealed and signed before the clock starts: the figure
// is the server's (client-side sealing is BM_EntrySeal). One writer per
// couple, so the chain is known in advance; two threads build it.
std::vector<std::vector<mend::v1::Entry>> BuildChains(
    const std::vector<std::unique_ptr<TestCouple>>& cs, std::vector<ChainTip>& tips,
    size_t per_couple, size_t payload) {
  std::vector<std::vector<mend::v1::Entry>> chains(cs.size());
  auto build = [&](size_t first) {
    for (size_t i = first; i < cs.size(); i += 2)
      chains[i] = BuildChain(*cs[i], &tips[i], per_couple, payload);
  };
  std::thread other(build, 1);
  build(0);
  other.join();
  return chains;
}

// Writes `count` valid entries into each couple's log straight into the
// store of an in-process server, in large synced batches: a long history
// without a long run. Only for --in-process.
bool Prefill(mend::server::LogStore* store, const std::vector<std::unique_ptr<TestCouple>>& cs,
             std::vector<ChainTip>& tips, size_t count) {
  constexpr size_t kChunk = 4096;
  for (size_t i = 0; i < cs.size(); ++i) {
    for (size_t done = 0; done < count;) {
      const size_t n = std::min(kChunk, count - done);
      std::vector<mend::server::EntryWrite> writes;
      for (auto& e : BuildChain(*cs[i], &tips[i], n, 40)) {
        // Prefilled entries do not count toward the couple's storage quota
        // (stored_bytes stays 0): the bench measures growth, not quotas.
        mend::v1::HeadRecord head;
        head.set_seq(tips[i].seq - n + writes.size());
        head.set_hash(mend::crypto::EntryHash(e.header(), e.ciphertext()));
        mend::v1::EntryHeader header;
        header.ParseFromString(e.header());
        writes.push_back(
            {cs[i]->couple_id, head.seq(), header.prev_hash(), e.SerializeAsString(), head});
      }
      auto outcomes = store->AppendEntries(writes);
      if (!outcomes.ok()) {
        std::cerr << "mend-load: prefill: " << outcomes.status() << "\n";
        return false;
      }
      for (const auto& o : *outcomes) {
        if (!o.accepted) {
          std::cerr << "mend-load: prefill: an entry did not build on its head\n";
          return false;
        }
      }
      done += n;
    }
  }
  return true;
}

class EchoService final : public mend::bench::Echo::Service {
  grpc::Status Echo(grpc::ServerContext*, const mend::bench::Blob* in,
                    mend::bench::Blob* out) override {
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

// Keeps `in_flight` no-op unary calls with `size`-byte payloads going, the
// same way the append load does: the RPC ceiling on this machine.
class EchoLoad {
 public:
  EchoLoad(int in_flight, int size) : slots_(static_cast<size_t>(in_flight)) {
    for (auto& ch : Channels("127.0.0.1:" + std::to_string(server_.port), in_flight)) {
      stubs_.push_back(mend::bench::Echo::NewStub(ch));
    }
    for (auto& s : slots_) s.in.set_data(std::string(static_cast<size_t>(size), 'x'));
  }
  ~EchoLoad() { server_.server->Shutdown(); }

  // One timed round; returns its elapsed time.
  double Round(double seconds, Samples& samples) {
    return RunInFlight(static_cast<int>(slots_.size()), seconds, samples,
                       [&](int i, std::function<void(bool)> done) {
                         Slot& s = slots_[static_cast<size_t>(i)];
                         s.ctx = std::make_unique<grpc::ClientContext>();
                         // The same metadata weight as an append's bearer token.
                         s.ctx->AddMetadata(std::string(mend::wire::kAuthorizationMetadata),
                                            mend::wire::BearerValue(std::string(43, 't')));
                         stubs_[static_cast<size_t>(i) % stubs_.size()]->async()->Echo(
                             s.ctx.get(), &s.in, &s.out,
                             [done = std::move(done)](grpc::Status status) { done(status.ok()); });
                       });
  }

 private:
  struct Slot {
    std::unique_ptr<grpc::ClientContext> ctx;
    mend::bench::Blob in, out;
  };
  EchoServer server_;
  std::vector<std::unique_ptr<mend::bench::Echo::Stub>> stubs_;
  std::vector<Slot> slots_;
};

int RunEcho(int in_flight, double seconds, int size) {
  EchoLoad load(in_flight, size);
  Samples samples;
  double elapsed = load.Round(seconds, samples);
  std::cout << Summary("echo", samples, elapsed, {{"in_flight", in_flight}, {"size", size}}).dump()
            << std::endl;
  return 0;
}

int RunAppend(const std::string& server, mend::testing::TestServer* in_process, int couples,
              double seconds, int rounds, double max_rate, size_t prefill, bool echo_baseline,
              int echo_size, int payload) {
  auto pairing_channel = mend::testing::MakeChannel(server);
  std::vector<std::unique_ptr<TestCouple>> cs;
  for (int i = 0; i < couples; ++i) {
    cs.push_back(std::make_unique<TestCouple>(pairing_channel));
    if (!cs.back()->Pair()) {
      std::cerr << "mend-load: pairing failed; run mendd with --registration open and high append "
                   "limits\n";
      return 1;
    }
  }
  std::vector<ChainTip> tips;
  for (auto& c : cs) tips.push_back({1, c->genesis()});
  if (prefill > 0) {
    if (in_process == nullptr) {
      std::cerr << "mend-load: --prefill writes into the store and needs --in-process\n";
      return 2;
    }
    auto* store = in_process->get()->state()->store.get();
    if (!Prefill(store, cs, tips, prefill)) return 1;
    if (auto* rocks = dynamic_cast<mend::server::RocksDbLogStore*>(store)) {
      if (auto s = rocks->Settle(); !s.ok()) std::cerr << "mend-load: " << s << "\n";
    }
  }
  const size_t per_couple = static_cast<size_t>(max_rate * seconds * rounds / couples) + 16;
  auto chains = BuildChains(cs, tips, per_couple, static_cast<size_t>(payload));
  auto channels = Channels(server, couples);
  std::vector<std::unique_ptr<mend::v1::Log::Stub>> stubs;
  for (auto& ch : channels) stubs.push_back(mend::v1::Log::NewStub(ch));
  struct Slot {
    size_t next = 0;
    std::unique_ptr<grpc::ClientContext> ctx;
    mend::v1::AppendRequest req;
    mend::v1::AppendResponse resp;
  };
  std::vector<Slot> slots(static_cast<size_t>(couples));
  std::atomic<int> exhausted{0}, failed{0};
  auto append_round = [&](Samples& samples) {
    return RunInFlight(couples, seconds, samples, [&](int i, std::function<void(bool)> done) {
      Slot& s = slots[static_cast<size_t>(i)];
      auto& chain = chains[static_cast<size_t>(i)];
      if (s.next == chain.size()) {
        ++exhausted;
        done(false);
        return;
      }
      s.ctx = std::make_unique<grpc::ClientContext>();
      cs[static_cast<size_t>(i)]->a->Authorize(s.ctx.get(), cs[static_cast<size_t>(i)]->a->token);
      *s.req.mutable_entry() = chain[s.next++];
      stubs[static_cast<size_t>(i) % stubs.size()]->async()->Append(
          s.ctx.get(), &s.req, &s.resp, [&, done = std::move(done)](grpc::Status status) {
            if (!status.ok()) {
              if (failed++ == 0)
                std::cerr << "mend-load: append: " << status.error_message() << "\n";
            }
            done(status.ok());
          });
    });
  };
  // Rounds of appends alternate with rounds of the echo baseline (when
  // asked), so that a slow moment of a shared VM does not land on one side
  // only; the rates reported are the medians of the rounds.
  std::unique_ptr<EchoLoad> echo;
  if (echo_baseline) echo = std::make_unique<EchoLoad>(couples, echo_size);
  Samples all, echo_all;
  std::vector<double> rates, echo_rates;
  double elapsed = 0;
  for (int r = 0; r < rounds; ++r) {
    Samples round;
    double t = append_round(round);
    elapsed += t;
    rates.push_back(round.micros.size() / t);
    all.Add(round.micros);
    all.busy_seconds += round.busy_seconds;
    if (echo) {
      Samples e;
      double et = echo->Round(seconds, e);
      echo_rates.push_back(e.micros.size() / et);
      echo_all.Add(e.micros);
      echo_all.busy_seconds += e.busy_seconds;
    }
  }
  if (exhausted > 0)
    std::cerr << "mend-load: " << exhausted
              << " couples ran out of prepared entries; raise --max-rate\n";
  nlohmann::json extra = {
      {"couples", couples}, {"in_flight", couples},          {"prefill", prefill},
      {"rounds", rounds},   {"exhausted", exhausted.load()}, {"failed", failed.load()}};
  nlohmann::json out = Summary("append", all, elapsed, extra);
  out["ops_per_s"] = Median(rates);
  if (echo) {
    nlohmann::json e = Summary("echo", echo_all, 1.0);
    out["echo_ops_per_s"] = Median(echo_rates);
    out["echo_p99_us"] = e["p99_us"];
    out["echo_machine_cpu_us_per_op"] = e.value("machine_cpu_us_per_op", 0.0);
  }
  std::cout << out.dump() << std::endl;
  return failed > 0 ? 1 : 0;
}

// Appends entries 1..n by member a, one at a time; false on any failure.
bool AppendInOrder(const TestCouple& c, int n) {
  std::string prev = c.genesis();
  for (int seq = 1; seq <= n; ++seq) {
    mend::v1::Head head;
    if (!c.a->Append(c.Entry(*c.a, static_cast<uint64_t>(seq), prev), &head).ok()) return false;
    prev = head.hash();
  }
  return true;
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
  std::cout << Summary("watch", samples,
                       std::chrono::duration<double>(Clock::now() - start).count())
                   .dump()
            << std::endl;
  return 0;
}

// Streams a K-entry log from mendd, and (interleaved, `repeat` times each,
// medians reported) the raw gRPC stream baseline with messages of the same
// average size: on a shared VM, alternating keeps slow moments from landing
// on one side only.
int RunFetch(const std::string& server, int entries, int repeat) {
  TestCouple c(server);
  if (!c.Pair() || !AppendInOrder(c, entries)) return 1;
  EchoServer es;
  auto stub = mend::bench::Echo::NewStub(
      mend::testing::MakeChannel("127.0.0.1:" + std::to_string(es.port)));
  std::vector<double> fetch_rates, stream_rates;
  size_t entry_bytes = 0;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = Clock::now();
    auto got = c.b->Fetch(c.couple_id, 0);
    double fetch_s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (got.size() != static_cast<size_t>(entries)) {
      std::cerr << "mend-load: fetch returned " << got.size() << " of " << entries << " entries\n";
      return 1;
    }
    fetch_rates.push_back(got.size() / fetch_s);
    if (entry_bytes == 0) {
      for (const auto& e : got) entry_bytes += e.ByteSizeLong();
      entry_bytes /= got.size();
    }
    mend::bench::StreamRequest req;
    req.set_count(static_cast<uint32_t>(entries));
    req.set_size(static_cast<uint32_t>(entry_bytes));
    grpc::ClientContext ctx;
    size_t received = 0;
    auto t1 = Clock::now();
    auto reader = stub->Stream(&ctx, req);
    mend::bench::Blob b;
    while (reader->Read(&b)) ++received;
    reader->Finish();
    stream_rates.push_back(received / std::chrono::duration<double>(Clock::now() - t1).count());
  }
  es.server->Shutdown();
  nlohmann::json j = {{"mode", "fetch"},
                      {"entries", entries},
                      {"repeat", repeat},
                      {"entry_bytes", entry_bytes},
                      {"ops_per_s", Median(fetch_rates)},
                      {"stream_ops_per_s", Median(stream_rates)}};
  std::cout << j.dump() << std::endl;
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
  std::cout
      << Summary("rocksdb", samples, elapsed, {{"concurrency", concurrency}, {"size", size}}).dump()
      << std::endl;
  db.reset();
  std::filesystem::remove_all(dir);
  return 0;
}

// The store's ceiling for mendd on PostgreSQL: `concurrency` writers, each
// on its own connection, each INSERT one row of `size` bytes committed on
// its own (synchronous_commit as the server has it, on by default).
int RunPostgres(const std::string& conninfo, int concurrency, double seconds, int size) {
  using Conn = std::unique_ptr<PGconn, decltype(&PQfinish)>;
  auto connect = [&] { return Conn(PQconnectdb(conninfo.c_str()), &PQfinish); };
  auto exec = [](PGconn* c, const char* sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c, sql), &PQclear);
    return PQresultStatus(r.get()) == PGRES_COMMAND_OK;
  };
  {
    Conn setup = connect();
    if (PQstatus(setup.get()) != CONNECTION_OK ||
        !exec(setup.get(),
              "SET client_min_messages = warning; DROP TABLE IF EXISTS raw_inserts; CREATE TABLE "
              "raw_inserts (id bigserial PRIMARY "
              "KEY, v bytea NOT NULL)")) {
      std::cerr << "mend-load: PostgreSQL: " << PQerrorMessage(setup.get());
      return 1;
    }
  }
  std::vector<Conn> conns;
  for (int i = 0; i < concurrency; ++i) {
    conns.push_back(connect());
    if (PQstatus(conns.back().get()) != CONNECTION_OK) return 1;
  }
  std::atomic<bool> failed{false};
  Samples samples;
  double elapsed = RunTimed(concurrency, seconds, samples, [&](int t, std::atomic<bool>& stop) {
    const std::string value = mend::crypto::RandomBytes(static_cast<size_t>(size));
    const char* values[] = {value.data()};
    const int lengths[] = {static_cast<int>(value.size())};
    const int formats[] = {1};
    std::vector<double> mine;
    while (!stop) {
      auto t0 = Clock::now();
      std::unique_ptr<PGresult, decltype(&PQclear)> r(
          PQexecParams(conns[t].get(), "INSERT INTO raw_inserts (v) VALUES ($1)", 1, nullptr,
                       values, lengths, formats, 0),
          &PQclear);
      if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
        failed = true;
        break;
      }
      mine.push_back(Micros(t0, Clock::now()));
    }
    return mine;
  });
  if (failed) return 1;
  std::cout << Summary("postgres", samples, elapsed, {{"concurrency", concurrency}, {"size", size}})
                   .dump()
            << std::endl;
  return 0;
}

// Pairs `count` couples over a few shared connections, each writing
// `entries` entries, for the server's memory per couple (the caller reads
// mendd's RSS before and after).
int RunCouples(const std::string& server, int count, int entries) {
  const auto t0 = Clock::now();
  auto channels = Channels(server, 8);
  std::atomic<int> next{0}, failed{0};
  auto work = [&](int t) {
    for (int i; (i = next++) < count;) {
      TestCouple c(channels[static_cast<size_t>(t) % channels.size()]);
      if (!c.Pair() || !AppendInOrder(c, entries)) ++failed;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) threads.emplace_back(work, t);
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  nlohmann::json j = {{"mode", "couples"},
                      {"couples", count - failed.load()},
                      {"entries_each", entries},
                      {"failed", failed.load()},
                      {"seconds", elapsed}};
  std::cout << j.dump() << std::endl;
  return failed > 0 ? 1 : 0;
}

// The client library end to end: two real sessions (fast key-file limits)
// on an in-process mendd; one writes `n` check-ins, then the other's Sync is
// timed (fetch, verify, fold, replica write), and so is opening its profile
// (the facts file and the replica entries after it), and then one of the other's own
// appends on that history — for each n in `steps`.
int RunSync(const std::string& server, const std::vector<int>& steps) {
  namespace client = mend::client;
  auto home = mend::testing::TempDir("mend-load-home");
  setenv("MEND_HOME", home.c_str(), 1);
  auto pass = mend::crypto::SecretBytes::CopyOf("a long benchmark passphrase");
  const auto fast = mend::crypto::KdfLimits::MinimumForTests();
  auto fail = [&](const absl::Status& s) {
    std::cerr << "mend-load: sync: " << s << "\n";
    std::filesystem::remove_all(home);
    return 1;
  };
  for (const char* name : {"alex", "sam"}) {
    if (auto s = client::Session::Init(client::Profile::Locate(name), name, {server, ""}, pass,
                                       false, fast);
        !s.ok()) {
      return fail(s);
    }
  }
  auto alex = client::Session::Open(client::Profile::Locate("alex"), pass);
  auto sam = client::Session::Open(client::Profile::Locate("sam"), pass);
  if (!alex.ok()) return fail(alex.status());
  if (!sam.ok()) return fail(sam.status());
  auto code = (*alex)->Invite("", 3600);
  if (!code.ok()) return fail(code.status());
  if (auto s = (*sam)->Join(*code); !s.ok()) return fail(s);
  if (auto s = (*alex)->Sync(); !s.ok()) return fail(s.status());
  // Both compare the safety number (here: trusted, it is one process).
  if (auto s = (*alex)->ConfirmSafetyNumber(); !s.ok()) return fail(s);
  if (auto s = (*sam)->ConfirmSafetyNumber(); !s.ok()) return fail(s);
  if (auto s = (*sam)->Sync(); !s.ok()) return fail(s.status());
  nlohmann::json rows = nlohmann::json::array();
  for (int n : steps) {
    for (int i = 0; i < n; ++i) {
      mend::v1::Payload p;
      p.mutable_check_in()->set_mood(static_cast<uint32_t>(1 + i % 10));
      p.mutable_check_in()->set_note("a short note about the day");
      if (auto seq = (*alex)->Append(p); !seq.ok()) return fail(seq.status());
    }
    auto t0 = Clock::now();
    auto report = (*sam)->Sync();
    auto t1 = Clock::now();
    if (!report.ok()) return fail(report.status());
    sam->reset();  // not timed: freeing the synced session is not opening one
    auto t_open = Clock::now();
    auto reopened = client::Session::Open(client::Profile::Locate("sam"), pass);
    auto t2 = Clock::now();
    if (!reopened.ok()) return fail(reopened.status());
    *sam = std::move(*reopened);
    const uint64_t log_entries = (*sam)->head().seq;
    const uint64_t open_entries_read = (*sam)->entries_read_on_load();
    // Sam's own appends on this history (each adopts and folds its entry;
    // the server's part does not grow with the log: see "growth: 1 writer").
    constexpr int kAppends = 20;
    auto t3 = Clock::now();
    for (int i = 0; i < kAppends; ++i) {
      mend::v1::Payload p;
      p.mutable_check_in()->set_mood(5);
      p.mutable_check_in()->set_note("timed");
      if (auto seq = (*sam)->Append(p); !seq.ok()) return fail(seq.status());
    }
    auto t4 = Clock::now();
    rows.push_back(
        {{"new_entries", n},
         {"log_entries", log_entries},
         {"sync_ms", std::chrono::duration<double, std::milli>(t1 - t0).count()},
         {"open_ms", std::chrono::duration<double, std::milli>(t2 - t_open).count()},
         {"open_entries_read", open_entries_read},
         {"append_ms", std::chrono::duration<double, std::milli>(t4 - t3).count() / kAppends}});
    if (auto s = (*alex)->Sync(); !s.ok()) return fail(s.status());
  }
  std::cout << nlohmann::json{{"mode", "sync"}, {"steps", rows}}.dump() << std::endl;
  std::filesystem::remove_all(home);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (!mend::crypto::Initialize().ok()) return 1;
  spdlog::set_level(spdlog::level::warn);  // stdout carries the JSON answer
  CLI::App app{"mend-load: load generator and baselines for mendd"};
  std::string mode, server = "127.0.0.1:7850", dir = "/tmp/mend-load-rocksdb", postgres;
  int couples = 64, concurrency = 64, entries = 10000, count = 200, size = 400;
  size_t prefill = 0;
  double seconds = 5, max_rate = 30000;
  int repeat = 5, rounds = 1;
  bool in_process = false, echo_baseline = false;
  std::vector<int> steps = {10, 100, 1000};
  app.add_option("mode", mode, "append, fetch, watch, couples, sync, echo, rocksdb or postgres")
      ->required()
      ->check(CLI::IsMember(
          {"append", "fetch", "watch", "couples", "sync", "echo", "rocksdb", "postgres"}));
  app.add_option("--server", server, "mendd address");
  app.add_flag("--in-process", in_process,
               "run a mendd inside this process on a temp dir instead of --server");
  app.add_option("--couples", couples, "couples to create");
  app.add_option("--concurrency", concurrency,
                 "calls in flight (echo) or writer threads (rocksdb, postgres)");
  app.add_option("--max-rate", max_rate,
                 "append: entries prepared per second of the run, over all couples");
  app.add_option("--rounds", rounds,
                 "append: timed rounds of --seconds each; the median rate is reported");
  app.add_flag("--echo-baseline", echo_baseline,
               "append: alternate each round with a round of the echo baseline (--size)");
  app.add_option("--prefill", prefill,
                 "append: entries already in each couple's log (needs --in-process)");
  app.add_option("--seconds", seconds, "duration");
  app.add_option("--entries", entries, "entries to fetch; couples: entries per couple");
  app.add_option("--repeat", repeat,
                 "fetch: interleaved runs of fetch and the raw stream; medians reported");
  app.add_option("--count", count, "entries to watch; couples: couples to create");
  app.add_option("--steps", steps, "sync: new entries before each timed sync")->delimiter(',');
  app.add_option("--size", size, "payload bytes for the baselines (an entry is about this size)");
  app.add_option("--dir", dir, "RocksDB directory for the raw baseline");
  app.add_option("--postgres", postgres, "libpq conninfo for the raw PostgreSQL baseline");
  CLI11_PARSE(app, argc, argv);
  std::unique_ptr<mend::testing::TestServer> local;
  if (in_process || mode == "sync") {
    local = std::make_unique<mend::testing::TestServer>();
    server = local->address();
  }
  if (mode == "append") {
    return RunAppend(server, local.get(), couples, seconds, rounds, max_rate, prefill,
                     echo_baseline, size, 40);
  }
  if (mode == "fetch") return RunFetch(server, entries, repeat);
  if (mode == "watch") return RunWatch(server, count);
  if (mode == "couples") return RunCouples(server, count, entries);
  if (mode == "sync") return RunSync(server, steps);
  if (mode == "echo") return RunEcho(concurrency, seconds, size);
  if (mode == "postgres") return RunPostgres(postgres, concurrency, seconds, size);
  return RunRocksDb(dir, concurrency, seconds, size);
}
