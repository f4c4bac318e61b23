// The TOML configs mend-hostile gives mendd. Pairing limits as in production,
// room for thousands of watchers, and 127.0.0.1 as a trusted reverse proxy,
// so that x-forwarded-for metadata can stand for many client addresses.
#ifndef MEND_TESTS_HOSTILE_MENDD_CONFIG_H_
#define MEND_TESTS_HOSTILE_MENDD_CONFIG_H_

#include <string>

namespace mend::hostile {

// Phases 1-6.
inline std::string HostileConfig(const std::string& extra_limits = "") {
  return "[limits]\n"
         "max_watchers_per_couple = 6000\n"
         "max_watchers = 6000\n"
         "pairing_rate_per_second = 2\n"
         "pairing_burst = 20\n" +
         extra_limits +
         "[proxy]\n"
         "trusted = [\"127.0.0.1\"]\n"
         "header = \"x-forwarded-for\"\n";
}

// Phase 7 opens 5000 Watch streams from one couple's two members within
// seconds; every Watch is charged to its member's call budget (100 at once
// by default), which would refuse all but a few hundred. The same config
// with only that budget raised.
inline std::string WatcherPhaseConfig() { return HostileConfig("member_burst = 10000\n"); }

}  // namespace mend::hostile

#endif  // MEND_TESTS_HOSTILE_MENDD_CONFIG_H_
