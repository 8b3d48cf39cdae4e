// PostgreSQL access for one service: a connection pool, versioned migrations, transactions and
// single-statement reads and writes. Statements are declared once (statement.hpp), rows are read
// by column name (rows.hpp); nothing of the PostgreSQL client library shows here.
//
// Connections are opened lazily up to `pool_size` and reused; a connection found broken is
// dropped and replaced on the next use, so the service recovers by itself when PostgreSQL comes
// back. While PostgreSQL cannot be reached, every call throws UnavailableError (HTTP 503,
// message retried later) after at most the connect timeout: nothing hangs. A statement refused
// by PostgreSQL throws SqlError, a transaction aborted for a serialization failure or deadlock
// TransactionConflictError (both errors.hpp). Thread-safe.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/events.hpp"
#include "common/rows.hpp"
#include "common/statement.hpp"
#include "common/tx.hpp"

namespace blog {

// One schema step of a component; applied once, in version order, inside one transaction.
struct Migration {
  int version;
  std::string_view sql;
};

class ConnectionPool;  // internal to common/ (common/src/pool.hpp)

class Database {
 public:
  // `source` is the CloudEvents source of events this service publishes ("/posts").
  Database(std::string url, int pool_size, std::string source);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  Database(Database&&) = delete;
  Database& operator=(Database&&) = delete;

  // Applies the project's own tables (outbox, inbox) and then `migrations` of `component`, under
  // an advisory lock so that replicas starting together migrate once. Returns true when the
  // database had no schema at all before this call (a brand-new database).
  bool Migrate(std::string_view component, const std::vector<Migration>& migrations);

  // Runs `work` in one READ COMMITTED transaction and commits it. Events published through the
  // Tx are committed with the change (transactional outbox); after such a commit the outbox
  // observers are notified. An exception from `work` rolls back and propagates; connection
  // failures propagate as UnavailableError. `incoming` is the event being handled, if any.
  // In a request with an Idempotency-Key (idempotency.hpp) this and ExecWithEvent join the
  // request's one transaction instead, which commits with the stored answer.
  void Transact(const std::function<void(Tx&)>& work, const IncomingEvent* incoming = nullptr);

  // Runs `statement` alone on a pooled connection, outside any transaction: one round trip.
  // For reads, whose single statement needs no transaction around it. The connection has the
  // read settings (SetReadSettings) while it runs.
  template <typename... Args>
  Rows Read(const Statement& statement, const Args&... args) {
    return ReadParams(statement, {SqlParam(args)...});
  }

  // Session settings (name, value), e.g. {"plan_cache_mode", "force_generic_plan"}, that a
  // connection has whenever it runs Read. Each connection sets them once, on its first Read
  // after this call, and keeps them (also for its transactions). Call while wiring the service.
  void SetReadSettings(std::vector<std::pair<std::string, std::string>> settings);

  // The transactional outbox in one round trip, for a change that is one statement: the
  // statement `name` that runs `change` (parameters $1..$`params`) and inserts the outbox row of
  // the event from the four parameters after them. Run it with ExecWithEvent.
  static Statement WithEvent(std::string name, std::string_view change, int params);

  // For a statement written by hand to run with ExecWithEvent: the insertion of the event's
  // outbox row from parameters $`first`..$`first`+3, to put in a WITH item; `when` (SQL, may be
  // empty) makes it conditional, e.g. "EXISTS (SELECT 1 FROM inserted)".
  static std::string OutboxInsertSql(int first, std::string_view when = {});

  // Runs `statement` (see WithEvent) with `args` followed by `event`'s outbox row (event id,
  // subject, payload, traceparent), as a transaction of its own: the change and its event commit
  // together or not at all, in one round trip instead of BEGIN, change, outbox insert, COMMIT.
  // The event gets a random id; the outbox observers are notified as with Transact. Returns the
  // statement's rows.
  template <typename... Args>
  Rows ExecWithEvent(const Statement& statement, const AnyEvent& event, const Args&... args) {
    return ExecWithEventParams(statement, event, {SqlParam(args)...});
  }

  // True when a trivial query succeeds now.
  bool Ping();

  // The pool right now: connections open (at most `size`), of them in use, and callers waiting
  // for one. Cheap (no I/O); for /metrics.
  struct PoolStats {
    int size = 0;
    int open = 0;
    int in_use = 0;
    int waiting = 0;
  };
  PoolStats Stats();

  // `observer` runs after every commit that wrote outbox rows (on the committing thread).
  void OnOutboxCommit(std::function<void()> observer);

 private:
  friend class OutboxRelay;      // reads and deletes outbox rows on the pool's connections
  friend class HeldTransaction;  // joins a request's writes into one transaction
  Rows ReadParams(const Statement& statement, std::initializer_list<SqlParam> params);
  Rows ExecWithEventParams(const Statement& statement, const AnyEvent& event,
                           std::initializer_list<SqlParam> params);
  void NotifyOutboxObservers();

  std::string source_;
  std::unique_ptr<ConnectionPool> pool_;
  std::mutex observers_mutex_;
  std::vector<std::function<void()>> outbox_observers_;
};

}  // namespace blog
