// What a service answers while PostgreSQL or JetStream fail over: a dependency outage (HTTP 503
// with the error body, an event retried later), never an internal error (500, dead letter).
#include <catch2/catch.hpp>

#include "common/database.hpp"
#include "common/errors.hpp"
#include "common/http.hpp"

#include "harness.hpp"
#include "nats_native.hpp"

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

TEST_CASE("a JetStream cluster electing a leader is a dependency outage, not a failure",
          "[unit]") {
  for (const jsErrCode code : {JSClusterNotAvailErr, JSClusterNotLeaderErr, JSClusterNoPeersErr,
                               JSStreamOfflineErr, JSConsumerOfflineErr}) {
    CHECK_THROWS_AS(CheckNats(NATS_ERR, "create stream", code), UnavailableError);
  }
  // A request the cluster refuses for good stays an ordinary error.
  CHECK_THROWS_MATCHES(CheckNats(NATS_ERR, "create stream", JSStreamNameExistErr), Error,
                       Catch::Matchers::Predicate<Error>([](const Error& e) {
                         return dynamic_cast<const UnavailableError*>(&e) == nullptr;
                       }));
}
