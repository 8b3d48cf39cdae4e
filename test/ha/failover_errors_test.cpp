// What a service answers while PostgreSQL fails over: a dependency outage (HTTP 503 with the
// error body, retried), never an internal error (500). JetStream's elections, which common/
// maps the same way, are covered by the failover suite (test/ha/run: no 500, no dead letter).
#include <catch2/catch.hpp>

#include "common/database.hpp"
#include "common/errors.hpp"
#include "common/http.hpp"

#include "harness.hpp"

using namespace blog;

namespace {

// The answer the HTTP boundary gives for what `work` throws.
HttpResponse Answer(const std::function<void()>& work) {
  try {
    work();
  } catch (...) {
    return ResponseForCurrentException();
  }
  return HttpResponse::Json(200, "{}");
}

}  // namespace

TEST_CASE("a write that reaches a standby answers 503 with the error body, not 500",
          "[integration]") {
  test::TempDatabase pg;
  // A server where every transaction is read-only refuses writes as a standby does (25006).
  Database db(pg.url() + "?options=-c%20default_transaction_read_only%3Don", 2, "/test");
  const auto write = [&] {
    db.Transact([](Tx& tx) { tx.ExecScript("CREATE TABLE t (a int)"); });
  };
  CHECK_THROWS_AS(write(), UnavailableError);
  const HttpResponse response = Answer(write);
  CHECK(response.status == 503);
  CHECK(response.body.find("\"errors\"") != std::string::npos);
}
