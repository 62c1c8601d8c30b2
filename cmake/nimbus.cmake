# nimbus_test(NAME SOURCES... LIBS ...): one GoogleTest binary registered with ctest.
function(nimbus_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT
    "NIMBUS_SOURCE_DIR=${PROJECT_SOURCE_DIR};NIMBUS_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared"
    LABELS unit)
endfunction()
