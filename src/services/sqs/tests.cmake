# SQS: its digests (MD5, SHA-256) come from OpenSSL; its unit tests.
target_link_libraries(nimbus_services PRIVATE OpenSSL::Crypto)
nimbus_test(sqs_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/sqs_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/sqs_fifo_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/sqs_policy_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/sqs_recovery_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/queue_source_test.cc
  LIBS nimbus_services)
