cmake_minimum_required(VERSION 3.25)
# Fails when a *_test.cc under tests/ is not compiled into a test binary, or when a .cc
# in innodb/, io/ or engine/ has no _test.cc at the mirrored path under tests/.
# Run by CTest as `registration_check`; REGISTERED is a |-separated list of paths.
string(REPLACE "|" ";" registered "${REGISTERED}")
set(registered_rel "")
foreach(f IN LISTS registered)
  file(RELATIVE_PATH rel "${SOURCE_DIR}" "${f}")
  list(APPEND registered_rel "${rel}")
endforeach()

set(problems "")
file(GLOB_RECURSE test_files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/tests/*_test.cc")
foreach(t IN LISTS test_files)
  if(NOT t IN_LIST registered_rel)
    list(APPEND problems "not registered with CTest: ${t}")
  endif()
endforeach()

file(GLOB_RECURSE sources RELATIVE "${SOURCE_DIR}"
     "${SOURCE_DIR}/innodb/*.cc" "${SOURCE_DIR}/io/*.cc" "${SOURCE_DIR}/engine/*.cc")
foreach(s IN LISTS sources)
  string(REGEX REPLACE "\\.cc$" "_test.cc" expected "tests/${s}")
  if(NOT EXISTS "${SOURCE_DIR}/${expected}")
    list(APPEND problems "no test for ${s} (expected ${expected})")
  endif()
endforeach()

if(problems)
  list(JOIN problems "\n  " text)
  message(FATAL_ERROR "test registration problems:\n  ${text}")
endif()
message(STATUS "every test file is registered and every source has a test")
