// Internal to common/: the pooled PostgreSQL connections behind a Database, and the one place
// that turns libpqxx's errors into the project's (errors.hpp). Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "common/statement.hpp"

namespace blog {

// Rethrows the exception being handled, libpqxx's as the project's: connection failures as
// UnavailableError, serialization failures and deadlocks as TransactionConflictError, other
// refusals by the server as SqlError, misuse of libpqxx as Error; any other exception as it is.
[[noreturn]] void RethrowAsProjectError();

// One pooled connection and the statements it has been given.
struct PooledConnection {
  std::unique_ptr<pqxx::connection> conn;
  std::unordered_map<std::string, std::string> declared;  // statement name -> SQL
  std::uint64_t read_settings = 0;                        // generation of the settings it has

  // Makes `statement` known to this connection (the server prepares it on its first use).
  // Throws Error when the name is known with other SQL.
  void Declare(const Statement& statement);
};

class ConnectionPool {
 public:
  // `url` as libpq takes it; a connect timeout is added when it has none.
  ConnectionPool(std::string url, int size);

  // A connection for one caller: back to the pool when done, dropped when it broke. Throws
  // UnavailableError when no connection is free within a few seconds or none can be opened.
  class Lease {
   public:
    explicit Lease(ConnectionPool& pool) : pool_(pool), conn_(pool.Acquire()) {}
    ~Lease() { pool_.Release(std::move(conn_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease(Lease&&) = delete;
    Lease& operator=(Lease&&) = delete;
    PooledConnection& operator*() { return conn_; }
    PooledConnection* operator->() { return &conn_; }

   private:
    ConnectionPool& pool_;
    PooledConnection conn_;
  };

  // Runs `work` on a pooled connection outside any transaction (for common's own plumbing: the
  // outbox relay). Errors as RethrowAsProjectError gives them.
  void WithConnection(const std::function<void(pqxx::connection&)>& work);

  // Connections open (at most `size`), of them in use, and callers waiting for one. No I/O.
  struct Stats {
    int size = 0;
    int open = 0;
    int in_use = 0;
    int waiting = 0;
  };
  Stats Snapshot();

  void SetReadSettings(std::vector<std::pair<std::string, std::string>> settings);
  // Gives `conn` the read settings when it does not have the current ones.
  void ApplyReadSettings(PooledConnection& conn);

 private:
  // An idle connection (checked with StillOpen) or a new one; waits up to 5 s for one to free.
  PooledConnection Acquire();
  void Release(PooledConnection conn);
  // False when the server closed `conn` while it sat idle. No round trip.
  static bool StillOpen(PooledConnection& conn);

  const std::string url_;
  const int size_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<PooledConnection> idle_;
  int open_ = 0;
  int waiting_ = 0;  // callers blocked in Acquire
  std::vector<std::pair<std::string, std::string>> read_settings_;
  std::atomic<std::uint64_t> read_settings_generation_{0};  // written under mutex_
};

}  // namespace blog
