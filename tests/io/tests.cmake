# Unit tests of io/ and of the file systems in tests/support.
list(APPEND TIDEMARK_UNIT_TESTS
  ${CMAKE_CURRENT_LIST_DIR}/errno_status_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/aligned_buffer_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/async_reader_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/file_system_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/posix_file_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/posix_file_system_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/uring_reader_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/file_scanner_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/mem_file_system_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/fault_injection_file_system_test.cc
)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/hashing_file_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/clock_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/zstd_stage_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/crypt_stage_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/byte_stream_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/stage_file_test.cc)
