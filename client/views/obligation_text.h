// What is owed, in words: one line of mend's own per obligation.
#ifndef MEND_CLIENT_VIEWS_OBLIGATION_TEXT_H_
#define MEND_CLIENT_VIEWS_OBLIGATION_TEXT_H_

#include <string>

#include "client/state/obligations.h"

namespace mend::client {

// "acknowledge trigger #9", "review commitment #5 "title" together (review
// date 2027-01-31)". With `with_subject`, the commitment's title or the
// prompt id is named, escaped to one line; without it the line holds only
// mend's words, numbers and dates (the reminder summary, which lies on disk
// unencrypted, is written this way).
std::string DescribeObligation(const Obligation& owed, bool with_subject);

}  // namespace mend::client

#endif  // MEND_CLIENT_VIEWS_OBLIGATION_TEXT_H_
