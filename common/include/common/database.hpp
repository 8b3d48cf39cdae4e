// PostgreSQL access for one service: a connection pool, versioned migrations and transactions.
//
// Connections are opened lazily up to `pool_size` and reused; a connection found broken is
// dropped and replaced on the next use, so the service recovers by itself when PostgreSQL comes
// back. While PostgreSQL cannot be reached, every call throws UnavailableError (HTTP 503,
// message retried later) after at most the connect timeout: nothing hangs. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/tx.hpp"

namespace blog {

// One schema step of a component; applied once, in version order, inside one transaction.
struct Migration {
  int version;
  std::string_view sql;
};

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

  // The transactional outbox in one round trip, for a change that is one statement. Registers
  // `name` (see Prepare) as `change`, whose parameters are $1..$`params`, followed by the
  // insertion of an outbox row from the four parameters after them; run it with ExecWithEvent.
  void PrepareWithEvent(std::string name, std::string_view change, int params);

  // For a statement written by hand to run with ExecWithEvent: the insertion of the event's
  // outbox row from parameters $`first`..$`first`+3, to put in a WITH item; `when` (SQL, may be
  // empty) makes it conditional, e.g. "EXISTS (SELECT 1 FROM inserted)".
  static std::string OutboxInsertSql(int first, std::string_view when = {});

  // Runs prepared `statement` with `params` followed by `event`'s outbox row (event id, subject,
  // payload, traceparent), as a transaction of its own: the change and its event commit together
  // or not at all, in one round trip instead of BEGIN, change, outbox insert, COMMIT. Event id,
  // errors and the outbox observers as with Transact and Tx::Publish. Returns the statement's
  // rows.
  pqxx::result ExecWithEvent(const std::string& statement, std::vector<std::string> params,
                             const AnyEvent& event, std::string event_id = {});

  // Runs `work` on a pooled connection outside any transaction (LISTEN, COPY, admin queries).
  void WithConnection(const std::function<void(pqxx::connection&)>& work);

  // True when a trivial query succeeds now.
  bool Ping();

  // `observer` runs after every commit that wrote outbox rows (on the committing thread).
  void OnOutboxCommit(std::function<void()> observer);

  // Registers a statement that every pooled connection prepares once, on its first use; run it
  // with `tx.Sql().exec_prepared(name, args...)`. Saves the parse and plan of each execution.
  // Registering a name again with the same SQL does nothing; with other SQL it throws.
  void Prepare(std::string name, std::string sql);

 private:
  class Lease;
  friend class HeldTransaction;  // joins a request's writes into one transaction
  void NotifyOutboxObservers();
  // A pooled connection and how many of `statements_` it has registered.
  struct Pooled {
    std::unique_ptr<pqxx::connection> conn;
    std::size_t prepared = 0;
  };
  Pooled Acquire();
  void Release(Pooled pooled);
  void RegisterStatements(Pooled& pooled);  // caller holds mutex_

  std::string url_;
  std::string source_;
  int pool_size_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Pooled> idle_;
  int open_ = 0;
  std::vector<std::pair<std::string, std::string>> statements_;  // name, SQL
  std::vector<std::function<void()>> outbox_observers_;
};

}  // namespace blog
