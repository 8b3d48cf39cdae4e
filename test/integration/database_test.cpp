// The database API of common/ (database.hpp, tx.hpp, rows.hpp, inbox.hpp) against a real
// PostgreSQL: typed arguments, rows by column name, its errors, reads, the inbox.
#include "common/database.hpp"

#include <atomic>
#include <cstdint>
#include <future>
#include <latch>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "common/errors.hpp"
#include "common/inbox.hpp"

#include "harness.hpp"

using namespace blog;
using Catch::Matchers::Contains;

namespace {

const Statement kTyped{"test_typed",
                       "SELECT 42::bigint AS n, 7 AS i, 'text' AS s, true AS b, 1.5::float8 AS d, "
                       "NULL::text AS missing, 3000000000::bigint AS big"};

// A database of the test's own with table t (id int primary key, v int) holding rows 1 and 2.
struct Table {
  Table() {
    db.Migrate("test", {{1,
                         "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);"
                         "INSERT INTO t VALUES (1, 0), (2, 0);"}});
  }
  int Value(int id) { return db.Read(kValue, id)[0].Get<int>("v"); }

  const Statement kValue{"test_value", "SELECT v FROM t WHERE id = $1"};
  test::TempDatabase pg;
  Database db{pg.url(), 2, "/test"};
};

}  // namespace

TEST_CASE("rows are read by column name into typed values", "[integration][database]") {
  test::TempDatabase pg;
  Database db(pg.url(), 1, "/test");
  const Rows rows = db.Read(kTyped);
  REQUIRE(rows.size() == 1);
  const Row row = rows[0];
  CHECK(row.Get<std::int64_t>("n") == 42);
  CHECK(row.Get<int>("i") == 7);
  CHECK(row.Get<std::string>("s") == "text");
  CHECK(row.Get<std::string_view>("s") == "text");
  CHECK(row.Get<bool>("b"));
  CHECK(row.Get<double>("d") == 1.5);
  CHECK(row.Get<std::int64_t>("big") == 3000000000);
  CHECK(row.Get<std::optional<std::string>>("missing") == std::nullopt);
  CHECK(row.Get<std::optional<std::int64_t>>("n") == 42);
  CHECK(row.IsNull("missing"));
  CHECK_FALSE(row.IsNull("s"));
  CHECK(rows.Columns() == std::vector<std::string_view>{"n", "i", "s", "b", "d", "missing", "big"});
}

TEST_CASE("a field read as what it is not is a FieldError naming the column and the statement",
          "[integration][database]") {
  test::TempDatabase pg;
  Database db(pg.url(), 1, "/test");
  const Rows rows = db.Read(kTyped);
  const Row row = rows[0];
  CHECK_THROWS_AS(row.Get<std::string>("missing"), FieldError);
  CHECK_THROWS_WITH(row.Get<std::string>("missing"),
                    Contains("\"missing\"") && Contains("test_typed") && Contains("NULL"));
  CHECK_THROWS_WITH(row.Get<std::int64_t>("s"), Contains("'text', not an integer"));
  CHECK_THROWS_WITH(row.Get<int>("big"), Contains("'3000000000', not an integer of 32 bits"));
  CHECK_THROWS_WITH(row.Get<bool>("n"), Contains("'42', not a boolean"));
  CHECK_THROWS_WITH(row.Get<double>("s"), Contains("not a number"));
  CHECK_THROWS_AS(row.Get<std::string>("nope"), FieldError);
  CHECK_THROWS_WITH(row.Get<std::string>("nope"),
                    Contains("no column \"nope\"") && Contains("test_typed"));
  CHECK_THROWS_AS(rows[1].Get<std::string>("s"), FieldError);  // past the last row
}

TEST_CASE("statement arguments reach PostgreSQL with their types and NULL",
          "[integration][database]") {
  test::TempDatabase pg;
  Database db(pg.url(), 1, "/test");
  const Statement echo{"test_echo",
                       "SELECT $1::bigint AS a, $2::text AS b, $3::boolean AS c, $4::text AS d, "
                       "$5::text[] AS e"};
  const std::string tricky = "it's \"quoted\" \\ {a,b} NULL é";
  SqlArray array;
  array.Add(tricky);
  array.Add("NULL");
  const Row row =
      db.Read(echo, INT64_MIN, tricky, false, std::optional<std::string>(), array.Take())[0];
  CHECK(row.Get<std::int64_t>("a") == INT64_MIN);
  CHECK(row.Get<std::string>("b") == tricky);
  CHECK_FALSE(row.Get<bool>("c"));
  CHECK(row.IsNull("d"));
  const Statement unnest{"test_unnest", "SELECT unnest($1::text[]) AS item"};
  array.Add(tricky);
  array.Add("NULL");
  const Rows items = db.Read(unnest, array.Take());
  REQUIRE(items.size() == 2);
  CHECK(items[0].Get<std::string>("item") == tricky);
  CHECK(items[1].Get<std::optional<std::string>>("item") == "NULL");  // the text, not NULL
}

TEST_CASE("a statement name declared again with other SQL is refused", "[integration][database]") {
  test::TempDatabase pg;
  Database db(pg.url(), 1, "/test");
  CHECK(db.Read(Statement{"test_twice", "SELECT 1 AS a"})[0].Get<int>("a") == 1);
  CHECK(db.Read(Statement{"test_twice", "SELECT 1 AS a"})[0].Get<int>("a") == 1);
  CHECK_THROWS_WITH(db.Read(Statement{"test_twice", "SELECT 2 AS a"}),
                    Contains("test_twice") && Contains("different SQL"));
}

TEST_CASE("a statement PostgreSQL refuses is an SqlError with its SQLSTATE and rolls back",
          "[integration][database]") {
  Table table;
  const Statement insert{"test_insert", "INSERT INTO t VALUES ($1, $2)"};
  try {
    table.db.Transact([&](Tx& tx) {
      tx.Exec(insert, 3, 3);
      tx.Exec(insert, 1, 1);  // duplicate key
    });
    FAIL("no error");
  } catch (const TransactionConflictError&) {
    FAIL("a unique violation is not a conflict to retry");
  } catch (const SqlError& e) {
    CHECK(e.Sqlstate() == "23505");
  }
  CHECK(table.db.Read(Statement{"test_count", "SELECT count(*) AS n FROM t"})[0].Get<int>("n") ==
        2);
  CHECK_THROWS_AS(table.db.Read(Statement{"test_bad_uuid", "SELECT 'x'::uuid AS u"}), SqlError);
}

TEST_CASE("a serialization failure is a TransactionConflictError, and the work can run again",
          "[integration][database]") {
  Table table;
  const Statement bump{"test_bump", "UPDATE t SET v = v + 1 WHERE id = $1"};
  const Statement set{"test_set", "UPDATE t SET v = $2 WHERE id = $1"};
  std::promise<void> read_done;
  std::promise<void> other_committed;
  auto other = std::async(std::launch::async, [&] {
    read_done.get_future().wait();
    table.db.Transact([&](Tx& tx) { tx.Exec(set, 1, 10); });
    other_committed.set_value();
  });
  int attempts = 0;
  std::string sqlstate;
  auto committed = other_committed.get_future();
  for (;;) {
    ++attempts;
    try {
      table.db.Transact([&](Tx& tx) {
        tx.ExecScript("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
        tx.Exec(table.kValue, 1);  // takes the transaction's snapshot
        if (attempts == 1) {
          read_done.set_value();
          committed.wait();
        }
        tx.Exec(bump, 1);  // the row changed after the snapshot: PostgreSQL aborts
      });
      break;
    } catch (const TransactionConflictError& e) {
      sqlstate = e.Sqlstate();
      if (attempts == 3) throw;
    }
  }
  other.get();
  CHECK(attempts == 2);
  CHECK(sqlstate == "40001");
  CHECK(table.Value(1) == 11);
}

TEST_CASE("a deadlock is a TransactionConflictError for one of the two transactions",
          "[integration][database]") {
  Table table;
  const Statement lock{"test_lock", "SELECT v FROM t WHERE id = $1 FOR UPDATE"};
  std::latch both_locked(2);
  std::atomic<int> conflicts{0};
  std::string sqlstate;
  const auto run = [&](int first, int second) {
    try {
      table.db.Transact([&](Tx& tx) {
        tx.Exec(lock, first);
        both_locked.arrive_and_wait();
        tx.Exec(lock, second);
      });
    } catch (const TransactionConflictError& e) {
      ++conflicts;
      sqlstate = e.Sqlstate();
    }
  };
  std::thread a(run, 1, 2);
  std::thread b(run, 2, 1);
  a.join();
  b.join();
  CHECK(conflicts == 1);
  CHECK(sqlstate == "40P01");
}

TEST_CASE("a read runs alone, as a transaction of its own, with the read settings",
          "[integration][database]") {
  test::TempDatabase pg;
  Database db(pg.url(), 1, "/test");
  const Statement setting{"test_setting", "SELECT current_setting('plan_cache_mode') AS mode"};
  const Statement xact{"test_xact", "SELECT txid_current() AS xact"};
  CHECK(db.Read(setting)[0].Get<std::string>("mode") == "auto");
  db.SetReadSettings({{"plan_cache_mode", "force_generic_plan"}});
  CHECK(db.Read(setting)[0].Get<std::string>("mode") == "force_generic_plan");
  CHECK(db.Read(xact)[0].Get<std::int64_t>("xact") != db.Read(xact)[0].Get<std::int64_t>("xact"));
  db.Transact([&](Tx& tx) {
    CHECK(tx.Exec(xact)[0].Get<std::int64_t>("xact") == tx.Exec(xact)[0].Get<std::int64_t>("xact"));
  });
}

TEST_CASE("a change with its event commits both in one statement", "[integration][database]") {
  Table table;
  int notified = 0;
  table.db.OnOutboxCommit([&] { ++notified; });
  const Statement insert =
      Database::WithEvent("test_insert_with_event", "INSERT INTO t VALUES ($1, $2)", 2);
  table.db.ExecWithEvent(insert, PostCreated{"00000000-0000-4000-8000-000000000003", "t", 0}, 3,
                         30);
  CHECK(table.Value(3) == 30);
  const Row outbox =
      table.db.Read(Statement{"test_outbox", "SELECT subject, payload FROM blog_outbox"})[0];
  CHECK(outbox.Get<std::string>("subject") == "blog.post.created");
  CHECK_THAT(outbox.Get<std::string>("payload"), Contains("00000000-0000-4000-8000-000000000003"));
  CHECK(notified == 1);
  // A refused change writes no event either.
  CHECK_THROWS_AS(table.db.ExecWithEvent(insert, PostCreated{"x", "t", 0}, 3, 31), SqlError);
  CHECK(table.db.Read(Statement{"test_outbox_count", "SELECT count(*) AS n FROM blog_outbox"})[0]
            .Get<int>("n") == 1);
}

TEST_CASE("the inbox reports each event id as new once, whatever the batch",
          "[integration][database]") {
  test::TempDatabase pg;
  Database db(pg.url(), 2, "/test");
  db.Migrate("test", {});
  const auto record = [&](std::vector<std::string_view> ids) {
    std::vector<bool> fresh;
    db.Transact([&](Tx& tx) { fresh = RecordInInbox(tx, "test-consumer", ids); });
    return fresh;
  };
  CHECK(record({"b", "a", "b"}) == std::vector<bool>{true, true, false});
  CHECK(record({"c", "a"}) == std::vector<bool>{true, false});
  CHECK(record({}).empty());
  db.Transact([](Tx& tx) { ClearInbox(tx); });
  CHECK(record({"a"}) == std::vector<bool>{true});

  // Ids expected to be new: refused, as a duplicate, when one is not.
  const Statement count{"test_inbox_count", "SELECT count(*) AS n FROM blog_inbox"};
  const auto record_new = [&](std::vector<std::string_view> ids) {
    db.Transact([&](Tx& tx) { RecordNewInInbox(tx, "test-consumer", ids); });
  };
  record_new({"d", "e"});
  CHECK(db.Read(count)[0].Get<int>("n") == 3);
  for (const auto& ids : {std::vector<std::string_view>{"f", "a"},
                          std::vector<std::string_view>{"g", "g"}}) {
    try {
      record_new(ids);
      FAIL("a duplicate was recorded as new");
    } catch (const SqlError& e) {
      CHECK(IsInboxDuplicate(e));
    }
  }
  CHECK(db.Read(count)[0].Get<int>("n") == 3);  // f and g were not recorded either
  CHECK(record({"f", "g", "d"}) == std::vector<bool>{true, true, false});
  // Another unique violation is not the inbox's.
  try {
    db.Transact([](Tx& tx) { tx.ExecScript("CREATE TABLE u (k int PRIMARY KEY); "
                                           "INSERT INTO u VALUES (1), (1)"); });
    FAIL("a duplicate key was accepted");
  } catch (const SqlError& e) {
    CHECK(e.Sqlstate() == "23505");
    CHECK_FALSE(IsInboxDuplicate(e));
  }
}

TEST_CASE("a transaction's first statement, sent with BEGIN, keeps its arguments' types and NULL",
          "[integration][database]") {
  test::TempDatabase pg;
  Database db(pg.url(), 1, "/test");
  const Statement echo{"test_echo_first",
                       "SELECT $1::bigint AS a, $2::text AS b, $3::boolean AS c, $4::text AS d, "
                       "$5::text[] AS e, $6 AS untyped"};
  const Statement unnest{"test_unnest_first", "SELECT unnest($1::text[]) AS item"};
  const std::string tricky = "it's \"quoted\" \\ {a,b} NULL é $1 ); COMMIT; --";
  db.Transact([&](Tx& tx) {
    SqlArray array;
    array.Add(tricky);
    array.Add("NULL");
    const Row row = tx.Exec(echo, INT64_MIN, tricky, true, std::optional<std::string>(),
                            array.Take(), "x'y")[0];
    CHECK(row.Get<std::int64_t>("a") == INT64_MIN);
    CHECK(row.Get<std::string>("b") == tricky);
    CHECK(row.Get<bool>("c"));
    CHECK(row.IsNull("d"));
    CHECK(row.Get<std::string>("untyped") == "x'y");
  });
  db.Transact([&](Tx& tx) {
    SqlArray array;
    array.Add(tricky);
    array.Add("NULL");
    const Rows items = tx.Exec(unnest, array.Take());
    REQUIRE(items.size() == 2);
    CHECK(items[0].Get<std::string>("item") == tricky);
    CHECK(items[1].Get<std::optional<std::string>>("item") == "NULL");
  });
}

// The last message the other connection to `table`'s database sent, as PostgreSQL saw it.
class LastMessage {
 public:
  explicit LastMessage(Table& table) : watcher_(table.pg.url(), 1, "/test") {}
  std::string operator()() const {
    return watcher_.Read(kLast)[0].Get<std::string>("query");
  }

 private:
  inline static const Statement kLast{
      "test_last_query",
      "SELECT query FROM pg_stat_activity WHERE datname = current_database()"
      " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"};
  mutable Database watcher_;
};

TEST_CASE("BEGIN travels with a transaction's first statement and its outbox rows with COMMIT",
          "[integration][database]") {
  Table table;
  const LastMessage last(table);
  const Statement set{"test_set_value", "UPDATE t SET v = $2 WHERE id = $1"};
  table.db.Transact([&](Tx& tx) {
    tx.Exec(set, 1, 5);
    CHECK_THAT(last(),
               Contains("BEGIN; EXECUTE") && Contains("test_set_value"));
    tx.Publish(PostCreated{"00000000-0000-4000-8000-000000000009", "t", 0});
    tx.Exec(set, 2, 6);
    CHECK_THAT(last(), !Contains("blog_outbox"));
  });
  const std::string commit = last();
  CHECK_THAT(commit, Contains("blog_outbox_insert") && Contains("COMMIT"));
  CHECK(table.Value(1) == 5);
  CHECK(table.Value(2) == 6);
  CHECK(table.db.Read(Statement{"test_outbox_n", "SELECT count(*) AS n FROM blog_outbox"})[0]
            .Get<int>("n") == 1);
}

TEST_CASE("a statement run with the next one travels in its round trip, or in COMMIT's",
          "[integration][database]") {
  Table table;
  const LastMessage last(table);
  const Statement set{"test_set_next", "UPDATE t SET v = $2 WHERE id = $1"};
  const Statement read{"test_read_next", "SELECT v FROM t WHERE id = $1"};
  table.db.Transact([&](Tx& tx) {
    tx.ExecWithNext(set, 1, 7);
    // Not sent yet: nothing of the transaction has reached the server.
    CHECK_THAT(last(), !Contains("test_set_next"));
    // Sent in front of the next statement, which sees its change.
    CHECK(tx.Exec(read, 1)[0].Get<int>("v") == 7);
    CHECK_THAT(last(), Contains("BEGIN; EXECUTE \"test_set_next\"('1', '7'); "
                                "EXECUTE \"test_read_next\"('1')"));
    // Once the block is open, too.
    tx.ExecWithNext(set, 2, 8);
    CHECK(tx.Exec(read, 2)[0].Get<int>("v") == 8);
    tx.ExecWithNext(set, 1, 9);  // no statement after it: it goes with COMMIT
  });
  CHECK_THAT(last(),
             Contains("test_set_next") && Contains("COMMIT"));
  CHECK(table.Value(1) == 9);
  CHECK(table.Value(2) == 8);
  // Its error is thrown by the statement it travelled with, and nothing commits.
  const Statement insert{"test_insert_next", "INSERT INTO t VALUES ($1, $2)"};
  CHECK_THROWS_AS(table.db.Transact([&](Tx& tx) {
    tx.ExecWithNext(insert, 1, 1);  // duplicate key
    CHECK_THROWS_AS(tx.Exec(set, 2, 10), SqlError);
  }),
                  SqlError);  // the same error again from the commit: the handler went on
  CHECK(table.Value(2) == 8);
  // Alone before COMMIT, refused: nothing commits either.
  CHECK_THROWS_AS(table.db.Transact([&](Tx& tx) {
    tx.Exec(set, 2, 11);
    tx.ExecWithNext(insert, 1, 1);
  }),
                  SqlError);
  CHECK(table.Value(2) == 8);
}

TEST_CASE("an event published in a transaction commits with its change or not at all",
          "[integration][database]") {
  Table table;
  int notified = 0;
  table.db.OnOutboxCommit([&] { ++notified; });
  const Statement insert{"test_insert_row", "INSERT INTO t VALUES ($1, $2)"};
  const Statement count{"test_outbox_rows", "SELECT count(*) AS n FROM blog_outbox"};
  // Refused after the event: neither the change nor the event.
  CHECK_THROWS_AS(table.db.Transact([&](Tx& tx) {
    tx.Publish(PostCreated{"00000000-0000-4000-8000-000000000004", "t", 0});
    tx.Exec(insert, 4, 4);
    tx.Exec(insert, 1, 1);  // duplicate key
  }),
                  SqlError);
  // The work fails after the event: neither.
  CHECK_THROWS_AS(table.db.Transact([&](Tx& tx) {
    tx.Exec(insert, 5, 5);
    tx.Publish(PostCreated{"00000000-0000-4000-8000-000000000005", "t", 0});
    throw ValidationError("the work gave up");
  }),
                  ValidationError);
  // A statement failed and the work went on: nothing commits, and the caller hears of it.
  CHECK_THROWS_AS(table.db.Transact([&](Tx& tx) {
    tx.Exec(insert, 6, 6);
    tx.Publish(PostCreated{"00000000-0000-4000-8000-000000000006", "t", 0});
    CHECK_THROWS_AS(tx.Exec(insert, 1, 1), SqlError);
  }),
                  Error);
  CHECK(table.db.Read(count)[0].Get<int>("n") == 0);
  CHECK(table.db.Read(Statement{"test_rows", "SELECT count(*) AS n FROM t"})[0].Get<int>("n") == 2);
  CHECK(notified == 0);
  // An event alone, and an event with its change: both commit.
  table.db.Transact(
      [&](Tx& tx) { tx.Publish(PostCreated{"00000000-0000-4000-8000-000000000007", "t", 0}); });
  table.db.Transact([&](Tx& tx) {
    tx.Exec(insert, 8, 8);
    tx.Publish(PostCreated{"00000000-0000-4000-8000-000000000008", "t", 0});
  });
  CHECK(table.db.Read(count)[0].Get<int>("n") == 2);
  CHECK(table.Value(8) == 8);
  CHECK(notified == 2);
}

TEST_CASE("a pooled connection the server closed while idle is replaced before a request uses it",
          "[integration][database]") {
  test::TempDatabase pg;
  Database db(pg.url(), 1, "/test");
  Database other(pg.url(), 1, "/test");
  const Statement pid{"test_pid", "SELECT pg_backend_pid() AS pid"};
  const Statement terminate{"test_terminate", "SELECT pg_terminate_backend($1) AS done"};
  const Statement gone{"test_gone", "SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1"};
  const int before = db.Read(pid)[0].Get<int>("pid");
  // What a restart or a failover does to every idle connection of the pool.
  REQUIRE(other.Read(terminate, before)[0].Get<bool>("done"));
  REQUIRE(test::Eventually([&] { return other.Read(gone, before)[0].Get<std::int64_t>("n") == 0; }));
  int after = 0;
  REQUIRE_NOTHROW(after = db.Read(pid)[0].Get<int>("pid"));
  CHECK(after != before);
  db.Transact([&](Tx& tx) { CHECK(tx.Exec(pid)[0].Get<int>("pid") == after); });
}
