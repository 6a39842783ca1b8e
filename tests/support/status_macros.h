// Test assertions over absl::Status / absl::StatusOr, shared by every test file:
// TM_ASSERT_OK(status) and TM_ASSERT_OK_AND_ASSIGN(lhs, statusor), printing the status on
// failure. Like TM_ASSIGN_OR_RETURN, the second expands to several statements.
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "gtest/gtest.h"

#define TM_TEST_CONCAT_INNER_(a, b) a##b
#define TM_TEST_CONCAT_(a, b) TM_TEST_CONCAT_INNER_(a, b)

#define TM_ASSERT_OK(expr)           \
  do {                               \
    const absl::Status st_ = (expr); \
    ASSERT_TRUE(st_.ok()) << st_;    \
  } while (0)

#define TM_ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  TM_ASSERT_OK_AND_ASSIGN_IMPL_(TM_TEST_CONCAT_(statusor_, __LINE__), lhs, rexpr)
#define TM_ASSERT_OK_AND_ASSIGN_IMPL_(so, lhs, rexpr) \
  auto so = (rexpr);                                  \
  ASSERT_TRUE(so.ok()) << so.status();                \
  lhs = std::move(so).value()
