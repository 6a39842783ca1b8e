# Unit tests of engine/.
list(APPEND TIDEMARK_UNIT_TESTS
  ${CMAKE_CURRENT_LIST_DIR}/version_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/tablespace_finder_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/inspect_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/tablespace_reader_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/ddl_tracker_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/non_innodb_files_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/tablespace_copier_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/backup_job_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/backup_report_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/text_format_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/data_file_path_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/inspect_report_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/page_dump_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/mysql8_fixtures_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/sql_session_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/mysql_sql_session_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/server_info_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/scripted_sql_session_test.cc
)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/backup_metadata_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS
  ${CMAKE_CURRENT_LIST_DIR}/redo_log_source_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/redo_events_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/redo_copier_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/redo_copier_background_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/redo_probe_test.cc
)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/manifest_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/backup_target_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/page_compare_test.cc ${CMAKE_CURRENT_LIST_DIR}/restore_job_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/prepare_report_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/prepare_job_test.cc ${CMAKE_CURRENT_LIST_DIR}/prepare_apply_test.cc ${CMAKE_CURRENT_LIST_DIR}/prepare_ddl_test.cc ${CMAKE_CURRENT_LIST_DIR}/prepare_journal_test.cc ${CMAKE_CURRENT_LIST_DIR}/prepare_log_test.cc ${CMAKE_CURRENT_LIST_DIR}/prepare_spaces_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/delta_file_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS
  ${CMAKE_CURRENT_LIST_DIR}/incremental_base_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/tablespace_delta_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/backup_records_test.cc
)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/prepare_incremental_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS
  ${CMAKE_CURRENT_LIST_DIR}/changed_pages_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/page_set_file_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/redo_page_collector_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/page_tracking_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/redo_follower_test.cc
)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/decode_dir_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/verify_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/verify_report_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/table_check_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/scratch_server_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/restore_test_job_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/xbstream_test.cc ${CMAKE_CURRENT_LIST_DIR}/xbstream_extract_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/verify_source_test.cc)
list(APPEND TIDEMARK_UNIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/encoded_file_test.cc ${CMAKE_CURRENT_LIST_DIR}/prepare_decode_test.cc)
