# Unit tests of innodb/ (format code).
list(APPEND TIDEMARK_UNIT_TESTS
  ${CMAKE_CURRENT_LIST_DIR}/base/status_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/page/fil_page_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/page/index_page_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/page/page_verdict_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/fsp/space_flags_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/fsp/fsp_header_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/inspect/lsn_histogram_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/inspect/space_summary_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/base/crc32c_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/page/checksum_test.cc
)
