# nats.c stays behind common/: no public header of common/, no service, tool or test source
# names it (they use common/jetstream.hpp and common/stream_reader.hpp). Run by ctest as
# nats_boundary_check:  cmake -DROOT=<repository> -P cmake/check_nats_boundary.cmake
# (bench/ is left out on purpose: its raw JetStream client measures nats.c itself.)
if(NOT ROOT)
  message(FATAL_ERROR "pass -DROOT=<repository root>")
endif()
set(globs
  common/include/*.hpp
  posts/*.cpp posts/*.hpp comments/*.cpp comments/*.hpp moderation/*.cpp moderation/*.hpp
  query/*.cpp query/*.hpp verify/*.cpp verify/*.hpp tools/*.cpp tools/*.hpp
  test/*.cpp test/*.hpp fuzz/*.cpp fuzz/*.hpp)
list(TRANSFORM globs PREPEND "${ROOT}/")
file(GLOB_RECURSE files ${globs})
# An include of a nats.c header, or one of its type or function names (natsMsg, jsCtx, js_...).
set(pattern "#include <nats/|[^A-Za-z_](nats[A-Z][A-Za-z]+|js[A-Z][A-Za-z]+|js_[A-Za-z]+)[^A-Za-z_]")
set(found "")
foreach(file IN LISTS files)
  file(STRINGS "${file}" lines REGEX "${pattern}")
  foreach(line IN LISTS lines)
    file(RELATIVE_PATH relative "${ROOT}" "${file}")
    string(APPEND found "\n  ${relative}: ${line}")
  endforeach()
endforeach()
list(LENGTH files count)
if(found)
  message(FATAL_ERROR "nats.c outside common/src (use common/jetstream.hpp):${found}")
endif()
message(STATUS "nats.c stays in common/src: ${count} files checked")
