# Fails when a service's source reaches past common/ to the client libraries it hides: a
# libpqxx, libpq or nats.c header, or a name from them. Services talk to PostgreSQL through
# common/database.hpp and to NATS through common/nats_client.hpp only, and common's public
# headers (common/include) show neither library, so that a service could not use one by
# accident through them. Tools, tests and fuzzers may open PostgreSQL themselves (to check what a
# service wrote), but they too reach NATS only through common/ (bench/ measures nats.c itself
# and is left out).
#
#   cmake -DROOT=<folder holding the services> -P check_service_boundary.cmake
#
# With -DEXPECT_LEAKS=N it checks itself instead: it succeeds only when exactly N lines offend.
cmake_minimum_required(VERSION 3.25)

set(service_dirs posts comments moderation query verify examples common/include)
set(nats_only_dirs tools test fuzz)
# Headers, and the names each library declares: pqxx:: (libpqxx); PGconn, PQexec... (libpq);
# natsMsg, jsCtx, js_PullSubscribe, stanConnection... (nats.c).
set(word_start "(^|[^A-Za-z0-9_])")
set(nats_forbidden
  "#[ \t]*include[ \t]*[<\"](nats/|nats\\.h)"
  "${word_start}(nats|js|stan)_?[A-Z]")
set(all_forbidden
  "#[ \t]*include[ \t]*[<\"](pqxx/|libpq-fe\\.h|libpq/)"
  "pqxx::"
  "${word_start}(PG(conn|result|notify|cancel)|PQ[a-z][A-Za-z]*)([^A-Za-z0-9_]|$)"
  ${nats_forbidden})

set(found "")
set(checked 0)
set(leaks 0)
foreach(dir IN LISTS service_dirs nats_only_dirs)
  if(dir IN_LIST nats_only_dirs)
    set(forbidden ${nats_forbidden})
  else()
    set(forbidden ${all_forbidden})
  endif()
  file(GLOB_RECURSE sources "${ROOT}/${dir}/*.cpp" "${ROOT}/${dir}/*.hpp" "${ROOT}/${dir}/*.h")
  list(FILTER sources EXCLUDE REGEX "^${ROOT}/test/boundary/")  # the examples of leaks below
  foreach(source IN LISTS sources)
    math(EXPR checked "${checked} + 1")
    file(STRINGS "${source}" lines)
    set(number 0)
    foreach(line IN LISTS lines)
      math(EXPR number "${number} + 1")
      foreach(pattern IN LISTS forbidden)
        if(line MATCHES "${pattern}")
          file(RELATIVE_PATH where "${ROOT}" "${source}")
          string(APPEND found "  ${where}:${number}: ${line}\n")
          math(EXPR leaks "${leaks} + 1")
          break()
        endif()
      endforeach()
    endforeach()
  endforeach()
endforeach()

if(checked EQUAL 0)
  message(FATAL_ERROR "no service sources found under ${ROOT}")
endif()
if(DEFINED EXPECT_LEAKS)
  if(NOT leaks EQUAL EXPECT_LEAKS)
    message(FATAL_ERROR "the check found ${leaks} offending lines, not ${EXPECT_LEAKS}:\n${found}")
  endif()
  message(STATUS "the check found all ${leaks} offending lines:\n${found}")
  return()
endif()
if(NOT found STREQUAL "")
  message(FATAL_ERROR "service sources use a client library that common/ hides:\n${found}")
endif()
message(STATUS "${checked} sources checked: none reaches past common/")
