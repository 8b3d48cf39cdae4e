// The query service's read cache against a real PostgreSQL: every commit to the read model, by
// any writer, empties it, and it is off while the watch has no connection.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "change_watch.hpp"
#include "common/database.hpp"
#include "common/ids.hpp"
#include "harness.hpp"
#include "read_cache.hpp"
#include "schema.hpp"

using namespace blog;
using query::CachedRead;
using query::ReadCache;
using test::Eventually;

namespace {

// True when an answer stored now is kept (the cache is active).
bool Keeps(ReadCache& cache) {
  cache.Store("probe", std::make_shared<const CachedRead>(), cache.Generation());
  return cache.Find("probe") != nullptr;
}

void Exec(Database& db, const std::string& sql) {
  db.Transact([&](Tx& tx) { tx.ExecScript(sql); });
}

// A migrated read model and a cache watching it.
struct WatchedCache {
  WatchedCache() { db.Migrate("query", query::Migrations()); }
  test::TempDatabase pg;
  Database db{pg.url(), 2, "/test"};
  ReadCache cache{1 << 20};
  query::ChangeWatch watch{pg.url(), cache};
};

}  // namespace

TEST_CASE("any commit to the read model empties the query service's read cache",
          "[integration][query]") {
  WatchedCache w;
  REQUIRE(Eventually([&] { return Keeps(w.cache); }));
  Database& db = w.db;
  ReadCache& cache = w.cache;

  const std::string post = NewUuid();
  const std::vector<std::string> writes = {
      // The projection's own statements, and what an operator or a bulk load may run.
      "INSERT INTO posts (id, title, version, created_seq) VALUES ('" + post + "', 't', 0, 1)",
      "INSERT INTO comments (id, post_id, content, status, version, created_seq) VALUES ('" +
          NewUuid() + "', '" + post + "', 'c', 'pending', 0, 2)",
      "UPDATE comments SET status = 'approved'",
      "DELETE FROM comments",
      "TRUNCATE posts, comments",
  };
  for (const auto& sql : writes) {
    INFO(sql);
    REQUIRE(Keeps(cache));
    const auto before = cache.Snapshot().invalidations;
    Exec(db, sql);
    CHECK(Eventually([&] { return cache.Find("probe") == nullptr; }));
    CHECK(cache.Snapshot().invalidations > before);
  }

  // A transaction that only reads changes nothing.
  REQUIRE(Keeps(cache));
  Exec(db, "SELECT count(*) FROM posts");
  const auto quiet_since = std::chrono::steady_clock::now();
  bool kept = true;
  while (kept && std::chrono::steady_clock::now() - quiet_since < std::chrono::milliseconds(300)) {
    kept = cache.Find("probe") != nullptr;
  }
  CHECK(kept);
}

TEST_CASE("the read cache is off while its watch has lost PostgreSQL, and on again after",
          "[integration][query]") {
  WatchedCache w;
  REQUIRE(Eventually([&] { return Keeps(w.cache); }));
  Database& db = w.db;
  ReadCache& cache = w.cache;

  const auto before_loss = cache.Generation();
  // What a PostgreSQL restart or a dropped connection does to the watch.
  Exec(db,
       "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
       "WHERE application_name = 'query-change-watch' AND datname = current_database()");
  // Whatever was read before the loss is refused, however soon the watch is back.
  REQUIRE(Eventually([&] { return cache.Generation() != before_loss; }));
  cache.Store("old", std::make_shared<const CachedRead>(), before_loss);
  CHECK(cache.Find("old") == nullptr);

  REQUIRE(Eventually([&] { return Keeps(cache); }));
  Exec(db, "INSERT INTO posts (id, title, version, created_seq) VALUES ('" + NewUuid() +
               "', 't', 0, 1)");
  CHECK(Eventually([&] { return cache.Find("probe") == nullptr; }));
}
