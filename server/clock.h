// Wall-clock time in Unix milliseconds, injectable so that tests can expire
// challenges and tokens without sleeping.
#ifndef MEND_SERVER_CLOCK_H_
#define MEND_SERVER_CLOCK_H_

#include <chrono>
#include <cstdint>
#include <functional>

namespace mend::server {

using Clock = std::function<int64_t()>;

inline int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mend::server

#endif  // MEND_SERVER_CLOCK_H_
