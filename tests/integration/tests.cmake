# Integration tests: real MariaDB servers in temporary directories.
list(APPEND TIDEMARK_INTEGRATION_TESTS
  ${CMAKE_CURRENT_LIST_DIR}/inspect_innochecksum_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/server_info_test.cc
)
list(APPEND TIDEMARK_INTEGRATION_TESTS ${CMAKE_CURRENT_LIST_DIR}/redo_copier_test.cc)
list(APPEND TIDEMARK_INTEGRATION_TESTS ${CMAKE_CURRENT_LIST_DIR}/backup_test.cc)
list(APPEND TIDEMARK_INTEGRATION_TESTS ${CMAKE_CURRENT_LIST_DIR}/prepare_equivalence_test.cc)
list(APPEND TIDEMARK_INTEGRATION_TESTS ${CMAKE_CURRENT_LIST_DIR}/prepare_faults_test.cc)
list(APPEND TIDEMARK_INTEGRATION_TESTS ${CMAKE_CURRENT_LIST_DIR}/incremental_chain_test.cc)
list(APPEND TIDEMARK_INTEGRATION_TESTS ${CMAKE_CURRENT_LIST_DIR}/incremental_backup_test.cc)
list(APPEND TIDEMARK_INTEGRATION_TESTS ${CMAKE_CURRENT_LIST_DIR}/page_tracking_test.cc)
list(APPEND TIDEMARK_INTEGRATION_TESTS ${CMAKE_CURRENT_LIST_DIR}/incremental_tidemark_chain_test.cc)
list(APPEND TIDEMARK_INTEGRATION_TESTS ${CMAKE_CURRENT_LIST_DIR}/decode_command_test.cc)
