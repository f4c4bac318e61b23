// Questions and answers: a question is answered once, by the partner.
#include "client/state/kinds/families.h"
#include "fmt/format.h"

namespace mend::client::kinds {
namespace {

using mend::v1::Payload;

absl::Status CheckQuestion(const CoupleState&, const Bytes&, const Payload& p, uint32_t) {
  if (p.question().text().empty()) return absl::InvalidArgumentError("the question is empty");
  return absl::OkStatus();
}

void ApplyQuestion(CoupleState& state, const crypto::OpenedEntry& e, int64_t at) {
  const uint64_t seq = e.header.seq();
  state.questions[seq] = QuestionRecord{seq, e.header.author(), at, e.payload.question(), 0};
}

absl::Status CheckAnswer(const CoupleState& state, const Bytes& author, const Payload& p,
                         uint32_t) {
  auto it = state.questions.find(p.answer().question_seq());
  if (it == state.questions.end())
    return Broken(fmt::format("entry {} is not a question", p.answer().question_seq()));
  if (it->second.author == author)
    return Broken("a question is answered by the partner, not its author");
  if (it->second.answer_seq != 0)
    return Broken(fmt::format("question {} was already answered", it->first));
  if (p.answer().text().empty()) return absl::InvalidArgumentError("the answer is empty");
  return absl::OkStatus();
}

void ApplyAnswer(CoupleState& state, const crypto::OpenedEntry& e, int64_t) {
  state.questions.at(e.payload.answer().question_seq()).answer_seq = e.header.seq();
}

}  // namespace

std::vector<KindRecord> QuestionsAndAnswers() {
  return {
      {Payload::kQuestion, "question", CheckQuestion, ApplyQuestion, DuringSpace::kNever},
      {Payload::kAnswer, "answer", CheckAnswer, ApplyAnswer, DuringSpace::kUnlessNoContact},
  };
}

}  // namespace mend::client::kinds
