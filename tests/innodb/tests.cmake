# Unit tests of innodb/ (format code).
list(APPEND TIDEMARK_UNIT_TESTS
  ${CMAKE_CURRENT_LIST_DIR}/base/status_test.cc
)
