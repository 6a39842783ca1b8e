# Unit tests of engine/.
list(APPEND TIDEMARK_UNIT_TESTS
  ${CMAKE_CURRENT_LIST_DIR}/version_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/tablespace_finder_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/inspect_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/tablespace_reader_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/inspect_report_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/page_dump_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/mysql8_fixtures_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/sql_session_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/mysql_sql_session_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/server_info_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/scripted_sql_session_test.cc
)
