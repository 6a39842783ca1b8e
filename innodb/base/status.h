// Error-propagation macros over absl::Status / absl::StatusOr, the error currency of
// every layer (STYLE.md "Errors"). Abseil 20220623 ships no public equivalents.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define TM_STATUS_CONCAT_INNER_(a, b) a##b
#define TM_STATUS_CONCAT_(a, b) TM_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status); returns it from the enclosing function if not OK.
#define TM_RETURN_IF_ERROR(expr)                       \
  do {                                                 \
    ::absl::Status tm_status_ = (expr);                \
    if (!tm_status_.ok()) return tm_status_;           \
  } while (0)

// `lhs` = value of `rexpr` (an absl::StatusOr<T>), or returns its status if not OK.
// Expands to several statements: never use it as the body of an unbraced if/else/loop.
#define TM_ASSIGN_OR_RETURN(lhs, rexpr) \
  TM_ASSIGN_OR_RETURN_IMPL_(TM_STATUS_CONCAT_(tm_statusor_, __LINE__), lhs, rexpr)

#define TM_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                              \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

namespace tidemark {

// Returns `s` with `prefix + ": "` prepended to its message, keeping the code.
// An OK status is returned unchanged. Each layer uses it to add the object it worked on.
absl::Status Annotate(const absl::Status& s, std::string_view prefix);

}  // namespace tidemark

// Note on strings: Debian's Abseil 20220623 is built with its own absl::string_view, which
// does not convert from std::string_view. Our APIs take std::string_view; build messages
// with absl::StrFormat (which accepts std::string_view), not absl::StrCat.
