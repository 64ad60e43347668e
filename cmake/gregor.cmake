# gregor_library(NAME DEPS... [EXCLUDE FILES...]): a static library made of every *.cc in the
# calling folder (and its subfolders) except *_test.cc and the FILES given (which the folder
# builds into another target); the tests beside the code become one GoogleTest binary,
# NAME_test, registered with CTest.
function(gregor_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "EXCLUDE")
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  file(GLOB_RECURSE tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  foreach(excluded ${arg_EXCLUDE})
    list(REMOVE_ITEM sources ${CMAKE_CURRENT_SOURCE_DIR}/${excluded})
    list(REMOVE_ITEM tests ${CMAKE_CURRENT_SOURCE_DIR}/${excluded})
  endforeach()
  if(tests)
    list(REMOVE_ITEM sources ${tests})
  endif()
  if(NOT sources)
    # A library whose folder has no code yet still has to exist for the ones that link it.
    set(sources ${PROJECT_SOURCE_DIR}/cmake/empty.cc)
  endif()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${GREGOR_WARNINGS})
  target_link_libraries(${name} PUBLIC ${arg_UNPARSED_ARGUMENTS})
  if(tests)
    add_executable(${name}_test ${tests})
    target_compile_options(${name}_test PRIVATE ${GREGOR_WARNINGS})
    target_link_libraries(${name}_test PRIVATE ${name} GTest::gtest_main GTest::gmock)
    if(tests MATCHES "/zookeeper[^;/]*_test\\.cc")
      # Tests whose name contains "ZooKeeper" run against a ZooKeeper server they start: apart
      # from the unit tests, labelled "zookeeper", one at a time.
      add_test(NAME ${name} COMMAND ${name}_test --gtest_filter=-*ZooKeeper*)
      add_test(NAME ${name}_zookeeper COMMAND ${name}_test --gtest_filter=*ZooKeeper*)
      set_tests_properties(${name}_zookeeper PROPERTIES LABELS zookeeper RUN_SERIAL TRUE)
    else()
      add_test(NAME ${name} COMMAND ${name}_test)
    endif()
    set_tests_properties(${name} PROPERTIES LABELS unit)
  endif()
endfunction()
