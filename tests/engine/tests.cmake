# Unit tests of engine/.
list(APPEND TIDEMARK_UNIT_TESTS
  ${CMAKE_CURRENT_LIST_DIR}/version_test.cc
)
