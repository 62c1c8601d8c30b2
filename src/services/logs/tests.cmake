# CloudWatch Logs unit tests: handlers, the LogWriter, filter patterns.
nimbus_test(logs_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/logs_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/logs_events_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/filter_pattern_test.cc
  LIBS nimbus_services)
