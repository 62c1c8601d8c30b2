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

# nimbus_service(NAME [DEPS lib...] [PRIVATE_DEPS lib...]): the library
# nimbus_svc_<NAME> of one src/services/<NAME>/ folder, the one call in its
# CMakeLists.txt. Sources: every *.cc of the folder but the *_test.cc. It
# builds on nimbus_service_core (services/service.h); DEPS are part of its
# interface (its headers include theirs), PRIVATE_DEPS only of its .cc files.
# The registry (nimbus_services) links every library declared this way.
function(nimbus_service name)
  cmake_parse_arguments(S "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  list(FILTER sources EXCLUDE REGEX "_test\\.cc$")
  add_library(nimbus_svc_${name} ${sources})
  target_link_libraries(nimbus_svc_${name} PUBLIC nimbus_service_core ${S_DEPS}
                                           PRIVATE ${S_PRIVATE_DEPS})
  set_property(GLOBAL APPEND PROPERTY NIMBUS_SERVICE_LIBRARIES nimbus_svc_${name})
endfunction()
