// Micro-benchmarks of the hot paths, each beside its baseline in the same run:
// entry seal/open/verify against raw Ed25519 verify, chain verification and
// the fold over long logs, export rendering, key file unlock.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include "client/state/fold.h"
#include "client/views/report.h"
#include "crypto/chain_verifier.h"
#include "crypto/init.h"
#include "crypto/key_file.h"
#include "tests/crypto/test_identities.h"

namespace {

using namespace mend;

const testing::TestChain& Chain(size_t n) {
  static std::map<size_t, testing::TestChain>* chains = new std::map<size_t, testing::TestChain>();
  auto it = chains->find(n);
  if (it == chains->end()) it = chains->emplace(n, testing::MakeChain(n)).first;
  return it->second;
}

void BM_RawEd25519Verify(benchmark::State& state) {
  crypto::Identity id = testing::Alice();
  std::string msg(49, 'm');
  std::string sig = id.Sign(msg);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                    reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                                    reinterpret_cast<const unsigned char*>(id.sign_pk().data())));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawEd25519Verify);

void BM_EntrySeal(benchmark::State& state) {
  crypto::Identity id = testing::Alice();
  crypto::SecretBytes key = testing::FixedCoupleKey();
  auto payload = testing::CheckInPayload(7, std::string(120, 'n'));
  crypto::EntryPosition pos{testing::FixedCoupleId(), 1,
                            crypto::GenesisPrevHash(testing::FixedCoupleId()), 0, 1};
  for (auto _ : state) benchmark::DoNotOptimize(crypto::SealEntry(pos, payload, id, key));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EntrySeal);

void BM_EntryVerifySignature(benchmark::State& state) {
  const auto& e = Chain(1).entries[0];
  std::string author = testing::Alice().sign_pk();
  for (auto _ : state) benchmark::DoNotOptimize(crypto::EntrySignatureValid(e, author));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EntryVerifySignature);

void BM_EntryOpen(benchmark::State& state) {
  const auto& chain = Chain(1);
  mend::v1::EntryHeader header;
  (void)crypto::ParseHeader(chain.entries[0], 1, &header);
  for (auto _ : state) {
    crypto::OpenedEntry out;
    benchmark::DoNotOptimize(
        crypto::OpenEntry(chain.entries[0], header, chain.keys, nullptr, &out));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EntryOpen);

void BM_ChainVerify(benchmark::State& state) {
  const auto& chain = Chain(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto r = crypto::VerifyChain(chain.Context(), chain.entries);
    if (r.failure) state.SkipWithError("chain failed");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ChainVerify)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

std::vector<crypto::OpenedEntry> Opened(size_t n) {
  const auto& chain = Chain(n);
  return crypto::VerifyChain(chain.Context(), chain.entries).entries;
}

void BM_Fold(benchmark::State& state) {
  auto opened = Opened(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(client::Fold(opened));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Fold)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_ExportRender(benchmark::State& state) {
  auto opened = Opened(10000);
  client::CoupleState couple = client::Fold(opened);
  client::ReportContext ctx;
  ctx.couple = &couple;
  ctx.me = testing::Alice().sign_pk();
  ctx.head_seq = opened.size();
  ctx.head_hash = opened.back().hash;
  client::ReportOptions o;
  o.since = "2000-01-01";
  o.until = "2100-01-01";
  const int format = static_cast<int>(state.range(0));
  for (auto _ : state) {
    client::Report r = client::BuildReport(ctx, o);
    benchmark::DoNotOptimize(format == 0   ? client::RenderMarkdown(r)
                             : format == 1 ? client::RenderJson(r)
                                           : client::RenderHtml(r));
  }
  state.SetLabel(format == 0   ? "md, 10k entries"
                 : format == 1 ? "json, 10k entries"
                               : "html, 10k entries");
}
BENCHMARK(BM_ExportRender)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

void BM_KeyFileUnlock(benchmark::State& state) {
  crypto::KeySecrets secrets;
  secrets.identity_seed = crypto::SecretBytes::Random(32);
  auto pass = crypto::SecretBytes::CopyOf("passphrase");
  auto file = crypto::KeyFile::Encode(pass, secrets, crypto::KdfLimits::Moderate());
  for (auto _ : state) benchmark::DoNotOptimize(crypto::KeyFile::Decode(*file, pass));
}
BENCHMARK(BM_KeyFileUnlock)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

int main(int argc, char** argv) {
  if (!mend::crypto::Initialize().ok()) return 1;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
