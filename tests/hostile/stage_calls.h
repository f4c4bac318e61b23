// Blocking calls, each with a deadline, that set the stage: logging members
// in, pairing couples, appending chains. Unlike the floods these retry
// RESOURCE_EXHAUSTED until their Deadline: the stage must be set even on a
// server whose per-address budget for 127.0.0.1 the suite itself has spent.
#ifndef MEND_TESTS_HOSTILE_STAGE_CALLS_H_
#define MEND_TESTS_HOSTILE_STAGE_CALLS_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "tests/hostile/async_call.h"
#include "tests/hostile/deadline.h"
#include "tests/server/test_server.h"

namespace mend::hostile {

inline constexpr Millis kStageCallTimeout{10000};

// Runs `attempt` until it returns anything but RESOURCE_EXHAUSTED, pausing
// half a second between tries, or until `deadline` (then the last status).
grpc::Status RetryWhileExhausted(const Deadline& deadline,
                                 const std::function<grpc::Status()>& attempt);

// Challenge + Login as `member` (from 127.0.0.1, or as `forwarded_for` when
// set); sets member.token on success.
grpc::Status LoginOnce(testing::TestMember& member, const std::string& forwarded_for = "",
                       Millis timeout = kStageCallTimeout);

grpc::Status CreateCouple(testing::TestMember& creator, const std::string& couple_id,
                          const std::string& forwarded_for = "");

// Both members log in, then the real invite / join / confirm / grant calls
// (as TestCouple::Pair does, with deadlines and retries).
absl::Status PairCouple(testing::TestCouple& couple, const Deadline& deadline);

// Appends one entry. On FAILED_PRECONDITION (stale head) *head is the
// server's current head, from the trailing metadata; on OK the new head.
grpc::Status AppendEntry(const testing::TestMember& author, const mend::v1::Entry& entry,
                         mend::v1::Head* head, Millis timeout = kStageCallTimeout);

grpc::Status GetHead(const testing::TestMember& member, const std::string& couple_id,
                     mend::v1::Head* head);

// Appends `count` entries with `note_bytes`-byte notes after `head`,
// alternating the two members as authors. Returns the new head.
absl::StatusOr<mend::v1::Head> AppendChain(const testing::TestCouple& couple, mend::v1::Head head,
                                           int count, size_t note_bytes, const Deadline& deadline);

// "RESOURCE_EXHAUSTED: too many requests", for messages.
std::string Describe(const grpc::Status& status);

}  // namespace mend::hostile

#endif  // MEND_TESTS_HOSTILE_STAGE_CALLS_H_
