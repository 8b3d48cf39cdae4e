// The query service's read cache against a real PostgreSQL: every commit to the read model, by
// any writer, evicts the answers it touches and only those, and the cache is off while the
// watch has no connection.
#include <chrono>
#include <cstdint>
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
using query::ReadScope;
using test::Eventually;

namespace {

// Stores an answer of `scope` under `key` as a reader would; true when the cache kept it (it is
// active).
bool Keeps(ReadCache& cache, const std::string& key, ReadScope scope) {
  const auto read = cache.Begin();
  cache.Store(key, std::make_shared<const CachedRead>(CachedRead{key, "", "", std::move(scope)}),
              read);
  return cache.Find(key) != nullptr;
}

bool Cached(ReadCache& cache, const std::string& key) { return cache.Find(key) != nullptr; }

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

TEST_CASE("every commit to the read model evicts the cached answers it touches, by any writer",
          "[integration][query]") {
  WatchedCache w;
  const std::string post = NewUuid();
  const std::string other = NewUuid();
  const auto first_page = ReadScope::Listing(ReadScope::kFirstPosition, INT64_MAX);
  REQUIRE(Eventually([&] { return Keeps(w.cache, "probe", ReadScope::Post(post)); }));
  // `other` exists before the writes below, and its own notice has come and gone.
  REQUIRE(Keeps(w.cache, other, ReadScope::Post(other)));
  Exec(w.db, "INSERT INTO posts (id, title, version, created_seq) VALUES ('" + other +
                 "', 'other', 0, 1)");
  REQUIRE(Eventually([&] { return !Cached(w.cache, other); }));

  struct Write {
    std::string sql;
    bool touches_other;
  };
  const std::vector<Write> writes = {
      // The projection's own statements, and what an operator or a bulk load may run.
      {"INSERT INTO posts (id, title, version, created_seq) VALUES ('" + post + "', 't', 0, 2)",
       false},
      {"INSERT INTO comments (id, post_id, content, status, version, created_seq) VALUES ('" +
           NewUuid() + "', '" + post + "', 'c', 'pending', 0, 3)",
       false},
      {"UPDATE comments SET status = 'approved'", false},
      {"UPDATE posts SET doc = NULL WHERE id = '" + post + "'", false},
      {"DELETE FROM comments", false},
      // Too many posts to name: everything.
      {"INSERT INTO posts (id, title, version, created_seq) SELECT gen_random_uuid(), 'bulk', 0, "
       "-i FROM generate_series(1, 600) AS i",
       true},
      {"TRUNCATE posts, comments", true},
  };
  for (const auto& write : writes) {
    INFO(write.sql);
    REQUIRE(Keeps(w.cache, post, ReadScope::Post(post)));
    REQUIRE(Keeps(w.cache, "first page", first_page));
    REQUIRE(Keeps(w.cache, other, ReadScope::Post(other)));
    const auto before = w.cache.Snapshot().invalidations;
    Exec(w.db, write.sql);
    CHECK(Eventually([&] { return !Cached(w.cache, post) && !Cached(w.cache, "first page"); }));
    CHECK(w.cache.Snapshot().invalidations > before);
    CHECK(Cached(w.cache, other) == !write.touches_other);
  }

  // A transaction that only reads, or a statement that changes no row, changes nothing.
  REQUIRE(Keeps(w.cache, "first page", first_page));
  Exec(w.db, "SELECT count(*) FROM posts");
  Exec(w.db, "UPDATE posts SET doc = NULL WHERE false");
  const auto quiet_since = std::chrono::steady_clock::now();
  bool kept = true;
  while (kept && std::chrono::steady_clock::now() - quiet_since < std::chrono::milliseconds(300)) {
    kept = Cached(w.cache, "first page");
  }
  CHECK(kept);
}

TEST_CASE("the read cache is off while its watch has lost PostgreSQL, and on again after",
          "[integration][query]") {
  WatchedCache w;
  const std::string post = NewUuid();
  REQUIRE(Eventually([&] { return Keeps(w.cache, "probe", ReadScope::Post(post)); }));

  {
    const auto before_loss = w.cache.Begin();
    // What a PostgreSQL restart or a dropped connection does to the watch.
    Exec(w.db,
         "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
         "WHERE application_name = 'query-change-watch' AND datname = current_database()");
    // Whatever was read before the loss is refused, however soon the watch is back.
    REQUIRE(Eventually([&] { return !Cached(w.cache, "probe"); }));
    w.cache.Store("old",
                  std::make_shared<const CachedRead>(CachedRead{"", "", "", ReadScope::Post(post)}),
                  before_loss);
    CHECK_FALSE(Cached(w.cache, "old"));
  }

  REQUIRE(Eventually([&] { return Keeps(w.cache, post, ReadScope::Post(post)); }));
  Exec(w.db, "INSERT INTO posts (id, title, version, created_seq) VALUES ('" + post +
                 "', 't', 0, 1)");
  CHECK(Eventually([&] { return !Cached(w.cache, post); }));
}
