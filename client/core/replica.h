// The local replica: the couple's entries exactly as received and verified,
// in an append-only file (PROTOCOL.md "Client files"):
//   "MENDREP\x01" then records of u32be(len) || Entry bytes || BLAKE2b-128(u32be(len) || Entry
//   bytes)
// A crash mid-append leaves a torn last record, which Load drops (the entry
// is fetched again at the next sync). Entries are re-verified on every load,
// so a replica edited behind mend's back is caught like a hostile server.
#ifndef MEND_CLIENT_CORE_REPLICA_H_
#define MEND_CLIENT_CORE_REPLICA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mend/v1/envelope.pb.h"

namespace mend::client {

class Replica {
 public:
  explicit Replica(std::string path) : path_(std::move(path)) {}

  // All stored entries; an absent file is an empty replica. Drops (and
  // truncates away) a torn tail; a damaged record before the tail is DataLoss.
  absl::StatusOr<std::vector<mend::v1::Entry>> Load() const;
  // The stored entries after the first `offset` bytes of the file, which end
  // a record (a replica's size after some appends, from RecordBytes): what
  // was appended since. DataLoss when the file is shorter than `offset`, when
  // a record after it is damaged or torn (nothing is repaired: only Load
  // repairs a torn tail, reading from the start).
  absl::StatusOr<std::vector<mend::v1::Entry>> LoadFrom(uint64_t offset) const;
  // The size of an empty replica, and what one entry adds to it.
  static uint64_t HeaderBytes();
  static uint64_t RecordBytes(size_t entry_bytes);
  // Appends and fsyncs.
  absl::Status Append(const std::vector<mend::v1::Entry>& entries) const;
  // Replaces the whole replica atomically (used when a rebuilt chain is adopted).
  absl::Status Rewrite(const std::vector<mend::v1::Entry>& entries) const;

 private:
  std::string path_;
};

}  // namespace mend::client

#endif  // MEND_CLIENT_CORE_REPLICA_H_
