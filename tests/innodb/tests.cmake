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
  ${CMAKE_CURRENT_LIST_DIR}/redo/varint_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/redo/log_file_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/redo/log_view_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/redo/record_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/redo/mtr_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/redo/log_writer_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/redo/backup_log_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/redo/real_log_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/apply/page_apply_test.cc ${CMAKE_CURRENT_LIST_DIR}/apply/undo_page_apply_test.cc ${CMAKE_CURRENT_LIST_DIR}/apply/real_apply_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/apply/index_page_apply_test.cc ${CMAKE_CURRENT_LIST_DIR}/apply/index_page_oracle_test.cc ${CMAKE_CURRENT_LIST_DIR}/apply/page_dir_test.cc
)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/apply/page_log_store_test.cc ${CMAKE_CURRENT_LIST_DIR}/apply/recovery_scan_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/base/crc32_test.cc)
