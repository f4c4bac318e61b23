// Propagation helpers for absl::Status / absl::StatusOr, shared by every mend module.
#ifndef MEND_BASE_STATUS_MACROS_H_
#define MEND_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MEND_CONCAT_INNER_(a, b) a##b
#define MEND_CONCAT_(a, b) MEND_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                    \
  do {                                           \
    ::absl::Status mend_status_ = (expr);        \
    if (!mend_status_.ok()) return mend_status_; \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, F())`: unwraps a StatusOr or returns its status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(MEND_CONCAT_(mend_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(*tmp)

#endif  // MEND_BASE_STATUS_MACROS_H_
