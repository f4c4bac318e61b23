// Sync: grants, then the server's head checked against what this device
// verified before (rollback, fork), then the entries page by page.
#include "base/hex.h"
#include "base/status_macros.h"
#include "client/core/session.h"
#include "client/core/verification_error.h"
#include "fmt/format.h"

namespace mend::client {
namespace {

// Entries per Fetch during a sync: at most 500 x 64 KiB in memory at once.
constexpr uint64_t kFetchPage = 500;

}  // namespace

absl::StatusOr<SyncSummary> Session::Sync() {
  const int64_t started = clock_();
  SyncSummary report;
  if (state_.pairing != PairingState::kPaired) {
    ASSIGN_OR_RETURN(report.pairing, AdvancePairing());
    if (!report.pairing.paired()) return report;
  }
  ASSIGN_OR_RETURN(Connection * conn, connection());
  RETURN_IF_ERROR(RefreshGrants());
  ASSIGN_OR_RETURN(mend::v1::Head server, conn->GetHead(state_.couple_id));
  const crypto::ChainHead local = head();
  if (server.seq() < state_.verified_seq) {
    return VerificationError(
        fmt::format("rollback: the server's log ends at entry {}, but this device already verified "
                    "entry {} (hash {}); "
                    "the server lost or withheld entries",
                    server.seq(), state_.verified_seq, base::ToHex(state_.verified_hash)));
  }
  if (server.seq() == local.seq && server.hash() != local.hash) {
    return VerificationError(
        fmt::format("fork: the server's entry {} has hash {}, but this device verified hash {}",
                    local.seq, base::ToHex(server.hash()), base::ToHex(local.hash)));
  }
  // Page by page, each verified and stored before the next is asked for,
  // and never past the head the server announced: a server that streams
  // without end costs one page of memory, then a verification error.
  const uint64_t from = head().seq, to = server.seq();
  // Reported before the first page too, so that a display's clock and rate
  // start when the fetching does.
  if (progress_ && to > from) progress_({Progress::Work::kFetching, 0, to - from});
  while (head().seq < server.seq()) {
    const uint64_t want = std::min<uint64_t>(kFetchPage, server.seq() - head().seq);
    auto fresh = conn->Fetch(state_.couple_id, head().seq, static_cast<uint32_t>(want));
    if (!fresh.ok() && absl::IsDataLoss(fresh.status()))
      return VerificationError(std::string(fresh.status().message()));
    RETURN_IF_ERROR(fresh.status());
    if (fresh->empty()) {
      return VerificationError(fmt::format("the server announced entry {} but sent only up to {}",
                                           server.seq(), head().seq));
    }
    size_t adopted = 0;
    RETURN_IF_ERROR(AdoptVerified(*fresh, &adopted));
    report.new_entries += adopted;
    if (progress_) progress_({Progress::Work::kFetching, head().seq - from, to - from});
  }
  state_.last_sync_unix_ms = NowMs();
  RETURN_IF_ERROR(SaveState());
  RETURN_IF_ERROR(EnsureMembershipEntries());
  // Answers that arrived in this very sync wait for the next one.
  RETURN_IF_ERROR(RevealPending(started));
  report.head_seq = head().seq;
  return report;
}

}  // namespace mend::client
