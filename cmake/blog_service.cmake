# blog_service(NAME SOURCES file... [PRIVATE_LIBRARIES target...])
#
# One service: the library NAME_lib (its logic, from SOURCES under the service's folder; the
# tests link it) with src/ as its public include folder and blog_common behind it, and the
# executable NAME from main.cpp, which only wires the library into blog::RunService.
function(blog_service name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;PRIVATE_LIBRARIES")
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "blog_service(${name}) needs SOURCES")
  endif()
  add_library(${name}_lib ${arg_SOURCES})
  target_include_directories(${name}_lib PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${name}_lib PUBLIC blog_common PRIVATE ${arg_PRIVATE_LIBRARIES})
  add_executable(${name} main.cpp)
  target_link_libraries(${name} PRIVATE ${name}_lib)
endfunction()
