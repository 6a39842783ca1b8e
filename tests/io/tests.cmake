# Unit tests of io/.
list(APPEND TIDEMARK_UNIT_TESTS
  ${CMAKE_CURRENT_LIST_DIR}/errno_status_test.cc
)
