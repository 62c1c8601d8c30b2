# One precompiled header (cmake/pch.h) shared by every C++ target of the
# tree: built once by nimbus_pch and reused (REUSE_FROM), which takes about
# two fifths off each translation unit's compile time (six files, clang -O2:
# 143 s without, 83 s with, 2026-12-05).
#
# Clang only. GCC 12 loses the system-header status of the locations inside
# a precompiled header and then reports -Warray-bounds false positives from
# libstdc++'s inlined std::string copies, which -Werror turns into failures.
# The Makefile builds with clang by default, so CI's one build (make test
# and make fuzz share build-san) and make build use the PCH.
#
# ccache caches PCH compiles only with the sloppiness settings the top-level
# CMakeLists.txt gives it, and a PCH built without timestamps (below).
option(NIMBUS_PCH "Precompile the common standard and third-party headers (clang)"
       ${NIMBUS_PCH_DEFAULT})

# Every target defined in `dir` and the folders below it.
function(nimbus_targets_below dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    nimbus_targets_below(${sub} more)
    list(APPEND targets ${more})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# Called once, after every target exists. `exclude`: targets compiled with
# options the PCH was not (such as -fno-exceptions), which clang refuses.
function(nimbus_use_pch)
  cmake_parse_arguments(P "" "" "EXCLUDE" ${ARGN})
  if(NOT NIMBUS_PCH)
    return()
  endif()
  add_library(nimbus_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch.cc)
  # The compile requirements of what pch.h includes (as nimbus_common
  # has them, so the definitions match every target's).
  target_link_libraries(nimbus_pch PRIVATE Boost::json fmt::fmt spdlog::spdlog Threads::Threads)
  target_precompile_headers(nimbus_pch PRIVATE ${PROJECT_SOURCE_DIR}/cmake/pch.h)
  # No header timestamps in the PCH: ccache may hand a build the PCH another
  # work tree compiled, whose generated cmake_pch.hxx has another mtime.
  target_compile_options(nimbus_pch PRIVATE -Xclang -fno-pch-timestamp)
  nimbus_targets_below(${PROJECT_SOURCE_DIR} targets)
  foreach(t ${targets})
    get_target_property(type ${t} TYPE)
    if(t STREQUAL "nimbus_pch" OR t IN_LIST P_EXCLUDE)
      continue()
    endif()
    if(type MATCHES "^(STATIC_LIBRARY|OBJECT_LIBRARY|SHARED_LIBRARY|EXECUTABLE)$")
      target_precompile_headers(${t} REUSE_FROM nimbus_pch)
    endif()
  endforeach()
endfunction()
