// A couple's log built in memory from opened entries, for tests of what is
// folded and rendered from it without a server: Genesis by Alex, Joined by
// Sam, then whatever the test adds.
#ifndef MEND_TESTS_CLIENT_SYNTHETIC_LOG_H_
#define MEND_TESTS_CLIENT_SYNTHETIC_LOG_H_

#include <string>
#include <vector>

#include "crypto/entry_codec.h"

namespace mend::client {

inline const std::string kAlex(32, 'A'), kSam(32, 'S');
inline const std::string kSyntheticCouple(16, 'C');

class SyntheticLog {
 public:
  // The pairing entries, both at `paired_at`.
  explicit SyntheticLog(int64_t paired_at) {
    mend::v1::Payload g;
    g.mutable_genesis()->mutable_inviter()->set_sign_pk(kAlex);
    g.mutable_genesis()->mutable_inviter()->set_display_name("Alex");
    g.mutable_genesis()->mutable_joiner()->set_sign_pk(kSam);
    g.mutable_genesis()->mutable_joiner()->set_display_name("Sam");
    g.mutable_genesis()->set_transcript_hash("T");
    g.mutable_genesis()->set_key_id(std::string(32, 'K'));
    g.mutable_genesis()->set_couple_id(kSyntheticCouple);
    Add(kAlex, g, paired_at);
    mend::v1::Payload j;
    j.mutable_joined()->set_transcript_hash("T");
    Add(kSam, j, paired_at);
  }
  // Appends an entry; returns its seq.
  uint64_t Add(const std::string& author, const mend::v1::Payload& p, int64_t at) {
    crypto::OpenedEntry e;
    e.header.set_seq(entries.size() + 1);
    e.header.set_author(author);
    e.payload = p;
    e.payload.set_written_unix_ms(at);
    entries.push_back(e);
    return entries.size();
  }

  std::vector<crypto::OpenedEntry> entries;
};

}  // namespace mend::client

#endif  // MEND_TESTS_CLIENT_SYNTHETIC_LOG_H_
