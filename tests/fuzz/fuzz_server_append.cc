// libFuzzer: arbitrary bytes as an Append request, handled in-process by the
// server's domain code on a real RocksDB store (a temp dir, one couple).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "crypto/init.h"
#include "server/rocksdb_log_store.h"
#include "server/server_state.h"

namespace {

struct World {
  World() {
    (void)mend::crypto::Initialize();
    dir = std::filesystem::temp_directory_path() / ("mend-fuzz-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    auto store = mend::server::RocksDbLogStore::Open(dir.string());
    mend::server::ServerLimits limits;
    limits.append_rate_per_second = 1e9;
    limits.append_burst = 1e9;
    state = std::make_unique<mend::server::ServerState>(
        std::move(*store), limits, mend::server::RegistrationMode::kOpen,
        mend::server::ProxyConfig{}, [] { return int64_t{1767225600000}; });
    member = std::string(32, '\x11');
    couple = std::string(16, '\x40');
    (void)state->registry.CreateCouple(member, couple, std::string(32, '\x22'), "");
  }
  std::filesystem::path dir;
  std::unique_ptr<mend::server::ServerState> state;
  std::string member, couple;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World();
  mend::v1::AppendRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  std::optional<mend::v1::Head> stale;
  (void)world->state->log.Append(world->member, request.entry(), &stale);
  (void)world->state->log.Fetch(world->member, world->couple, 0, 10);
  return 0;
}
