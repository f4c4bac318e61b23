#include "client/views/obligation_text.h"

#include "client/views/text_safety.h"
#include "fmt/format.h"

namespace mend::client {

std::string DescribeObligation(const Obligation& o, bool with_subject) {
  const bool named = with_subject && !o.subject.empty();
  // A commitment by its number and, when named, its title.
  const std::string commitment =
      named ? fmt::format("commitment #{} \"{}\"", o.seq, OneLine(o.subject))
            : fmt::format("commitment #{}", o.seq);
  // A prompt by its id when named, else by the entry that first sealed it.
  const std::string prompt =
      named ? fmt::format("'{}'", OneLine(o.subject)) : fmt::format("the prompt of #{}", o.seq);
  switch (o.what) {
    case Owed::kAcknowledgement:
      return fmt::format("acknowledge trigger #{}", o.seq);
    case Owed::kAnswer:
      return fmt::format("answer question #{}", o.seq);
    case Owed::kResponse:
      return fmt::format("respond to proposal #{}", o.seq);
    case Owed::kOutcome:
      return fmt::format("say whether {} was kept", commitment);
    case Owed::kReview:
      return fmt::format("review {} together (review date {})", commitment, OneLine(o.review_date));
    case Owed::kReflection:
      return fmt::format("write {} sealed reflection on {}", o.mine ? "your" : "their", prompt);
    case Owed::kReveal:
      // Not a fair exchange: the last to reveal can withhold, and this is how
      // the log shows it.
      return o.mine ? fmt::format("reveal your sealed reflection on {}", prompt)
                    : fmt::format("sealed a reflection on {} (#{}) and has not revealed it", prompt,
                                  o.seq);
  }
  return "";
}

}  // namespace mend::client
