// Advice lives only in the command line: core/ and the server say what is
// true, with a Problem where the person can do something about it, and the
// CLI's hint table says what to do.
#include "client/cli/hint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "client/core/problem.h"
#include "client/core/verification_error.h"

namespace mend::client {
namespace {

TEST(Hints, EveryProblemHasAdviceAndSurvivesTheStatus) {
  for (Problem p : kAllProblems) {
    absl::Status s = WithProblem(absl::FailedPreconditionError("a fact"), p);
    EXPECT_EQ(ProblemOf(s), p);
    EXPECT_FALSE(AdviceFor(p).empty()) << static_cast<int>(p);
    EXPECT_EQ(HintFor(s), AdviceFor(p));
  }
  EXPECT_EQ(ProblemOf(absl::FailedPreconditionError("no problem attached")), std::nullopt);
}

TEST(Hints, AreChosenByTypeNeverByTheMessagesWords) {
  // Words that once chose a hint ("passphrase", "key file") choose nothing.
  EXPECT_EQ(HintFor(absl::UnauthenticatedError("wrong passphrase for this key file")),
            std::nullopt);
  EXPECT_EQ(HintFor(absl::DataLossError("key file is truncated")), std::nullopt);
  EXPECT_EQ(HintFor(WithProblem(absl::UnauthenticatedError("x"), Problem::kWrongPassphrase)),
            AdviceFor(Problem::kWrongPassphrase));
  // A command's own hint comes first; a verification failure has its own.
  EXPECT_EQ(
      HintFor(WithHint(WithProblem(absl::InternalError("x"), Problem::kNotPaired), "do this")),
      "do this");
  EXPECT_NE(HintFor(VerificationError("fork")).value_or("").find("chain codes"), std::string::npos);
}

// Only the command line names commands: a message or a view that says "run
// `mend ...`" is advice written in the wrong layer (the lines of what is owed
// and the talk agenda once did).
TEST(Hints, NoLayerButTheCommandLineNamesACommand) {
  for (const char* dir : {"client/core", "client/state", "client/views", "server"}) {
    for (const auto& file : std::filesystem::recursive_directory_iterator(
             std::filesystem::path(MEND_SOURCE_DIR) / dir)) {
      if (file.path().extension() != ".cc") continue;
      std::ifstream in(file.path());
      std::stringstream text;
      text << in.rdbuf();
      std::string line;
      int number = 0;
      while (std::getline(text, line)) {
        ++number;
        const size_t code = line.find("//");
        const std::string outside_comments = line.substr(0, code);
        EXPECT_EQ(outside_comments.find("`mend "), std::string::npos)
            << file.path().string() << ":" << number << ": " << line;
      }
    }
  }
}

}  // namespace
}  // namespace mend::client
