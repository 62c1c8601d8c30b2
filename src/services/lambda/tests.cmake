# Lambda: SHA-256 from OpenSSL; its unit tests (they run real python functions).
target_link_libraries(nimbus_services PRIVATE OpenSSL::Crypto)
nimbus_test(lambda_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/lambda_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/lambda_invoke_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/support_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/code_test.cc
  LIBS nimbus_services PkgConfig::LIBZIP)
