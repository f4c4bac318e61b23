// mend-hostile: a hostile-client suite. Starts a real mendd child on a
// loopback port with a temp data dir and a TOML config, attacks it over real
// gRPC with the raw generated stubs (never the mend client library), and
// checks that it stays within its bounds: statuses for malformed input,
// memory and threads under floods, idle watchers, and an honest couple that
// keeps working throughout. Prints a report and, last, "N passed, N failed".
//
//   mend-hostile [--long] PATH/TO/mendd
//
// Exit status: 0 every check passed, 1 a check failed (or the stage could
// not be set), 2 usage.
#include <signal.h>

#include <filesystem>
#include <iostream>

#include "CLI/CLI.hpp"
#include "crypto/init.h"
#include "tests/hostile/check_list.h"
#include "tests/hostile/deadline.h"
#include "tests/hostile/mendd_config.h"
#include "tests/hostile/mendd_process.h"
#include "tests/hostile/suite.h"
#include "tests/server/test_server.h"

namespace {

void OnStopSignal(int) { mend::hostile::InterruptFlag().store(true); }

int Run(const std::string& mendd_path, bool long_run) {
  using mend::hostile::CheckList;
  CheckList checks(std::cout);
  const auto dir = mend::testing::TempDir("mend-hostile");
  {
    auto mendd =
        mend::hostile::MenddProcess::Start(mendd_path, dir, mend::hostile::HostileConfig());
    if (!mendd.ok()) {
      checks.Expect(false, "mendd starts", std::string(mendd.status().message()));
    } else {
      std::cout << "mend-hostile: " << mendd_path << " on " << (*mendd)->address() << " (pid "
                << (*mendd)->pid() << "), data and log in " << dir.string()
                << (long_run ? ", --long" : "") << std::endl;
      mend::hostile::RunSuite(**mendd, long_run ? 10 : 1, std::cout, checks);
      std::string ended = (*mendd)->Stop();
      std::cout << "mendd stopped: " << ended << std::endl;
      if (mend::hostile::Interrupted())
        checks.Expect(false, "suite completed", "interrupted by a signal");
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  checks.PrintSummary();
  return checks.failed() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (!mend::crypto::Initialize().ok()) {
    std::cerr << "mend-hostile: error: libsodium could not be initialised\n";
    return 1;
  }
  CLI::App app{"mend-hostile: attacks a real mendd over raw gRPC and checks its bounds"};
  std::string mendd_path;
  bool long_run = false;
  app.add_option("mendd", mendd_path, "the mendd binary to start and attack")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_flag("--long", long_run, "scale every flood up about tenfold");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  struct sigaction stop {};
  stop.sa_handler = OnStopSignal;
  sigemptyset(&stop.sa_mask);
  sigaction(SIGINT, &stop, nullptr);
  sigaction(SIGTERM, &stop, nullptr);
  return Run(mendd_path, long_run);
}
