#include "pool.hpp"

#include <cerrno>
#include <chrono>

#include <sys/socket.h>

#include "common/errors.hpp"

namespace blog {
namespace {

constexpr auto kAcquireTimeout = std::chrono::seconds(5);

std::string WithConnectTimeout(std::string url) {
  if (url.find("connect_timeout") != std::string::npos) return url;
  if (url.rfind("postgres", 0) == 0)
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=3";
  return url + " connect_timeout=3";
}

bool IsConnectionLoss(const std::string& state) {
  // 25006: a write reached a server that is (now) a standby, as around a failover.
  return state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03" ||
         state == "25006";
}

}  // namespace

void RethrowAsProjectError() {
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    throw UnavailableError(std::string("database unavailable: ") + e.what());
  } catch (const pqxx::in_doubt_error& e) {
    throw UnavailableError(std::string("database connection lost during commit: ") + e.what());
  } catch (const pqxx::serialization_failure& e) {
    throw TransactionConflictError(e.what(), "40001");
  } catch (const pqxx::deadlock_detected& e) {
    throw TransactionConflictError(e.what(), "40P01");
  } catch (const pqxx::statement_completion_unknown& e) {
    throw TransactionConflictError(e.what(), "40003");
  } catch (const pqxx::transaction_rollback& e) {
    throw TransactionConflictError(e.what(), "40000");
  } catch (const pqxx::sql_error& e) {
    if (IsConnectionLoss(e.sqlstate()))
      throw UnavailableError(std::string("database unavailable: ") + e.what());
    throw SqlError(e.what(), e.sqlstate());
  } catch (const pqxx::pqxx_exception& e) {
    throw Error(std::string("database client: ") + e.base().what());
  }
}

void PooledConnection::Declare(const Statement& statement) {
  const auto [it, fresh] = declared.try_emplace(statement.name);
  if (fresh) {
    try {
      conn->prepare(statement.name, statement.sql);  // recorded only: prepared on first use
    } catch (...) {
      declared.erase(it);
      RethrowAsProjectError();
    }
    it->second = statement.sql;
  } else if (it->second != statement.sql) {
    throw Error("statement " + statement.name + " is declared twice with different SQL");
  }
}

ConnectionPool::ConnectionPool(std::string url, int size)
    : url_(WithConnectTimeout(std::move(url))), size_(size) {}

PooledConnection ConnectionPool::Acquire() {
  for (;;) {
    std::unique_lock lock(mutex_);
    const auto ready = [&] { return !idle_.empty() || open_ < size_; };
    if (!ready()) {
      ++waiting_;
      const bool got = available_.wait_for(lock, kAcquireTimeout, ready);
      --waiting_;
      if (!got) throw UnavailableError("database pool exhausted: all connections busy");
    }
    if (!idle_.empty()) {
      PooledConnection conn = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      if (StillOpen(conn)) return conn;
      // Closed by the server while idle (a restart, a failover): take or open another.
      lock.lock();
      --open_;
      available_.notify_one();
      continue;
    }
    ++open_;
    lock.unlock();
    PooledConnection conn;
    try {
      conn.conn = std::make_unique<pqxx::connection>(url_);
    } catch (...) {
      lock.lock();
      --open_;
      available_.notify_one();
      RethrowAsProjectError();
    }
    return conn;
  }
}

bool ConnectionPool::StillOpen(PooledConnection& conn) {
  // An idle pooled connection has nothing to read: the server speaks only when asked (pooled
  // connections never LISTEN). Anything waiting on its socket is the server ending the session
  // (its FATAL message on a restart, a failover, pg_terminate_backend), and a read of 0 bytes is
  // the closed socket. One non-blocking peek, no round trip: such a connection is dropped here
  // instead of failing the request that would have used it.
  const int socket = conn.conn->sock();
  if (socket < 0) return false;
  char byte = 0;
  const ssize_t got = ::recv(socket, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

ConnectionPool::Stats ConnectionPool::Snapshot() {
  const std::lock_guard lock(mutex_);
  return {size_, open_, open_ - static_cast<int>(idle_.size()), waiting_};
}

void ConnectionPool::Release(PooledConnection conn) {
  const std::lock_guard lock(mutex_);
  if (conn.conn && conn.conn->is_open()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  available_.notify_one();
}

void ConnectionPool::WithConnection(const std::function<void(pqxx::connection&)>& work) {
  Lease lease(*this);
  try {
    work(*lease->conn);
  } catch (const pqxx::pqxx_exception&) {
    RethrowAsProjectError();
  }
}

void ConnectionPool::SetReadSettings(std::vector<std::pair<std::string, std::string>> settings) {
  const std::lock_guard lock(mutex_);
  read_settings_ = std::move(settings);
  ++read_settings_generation_;
}

void ConnectionPool::ApplyReadSettings(PooledConnection& conn) {
  if (conn.read_settings == read_settings_generation_.load()) return;  // the usual case
  std::vector<std::pair<std::string, std::string>> settings;
  std::uint64_t generation = 0;
  {
    const std::lock_guard lock(mutex_);
    settings = read_settings_;
    generation = read_settings_generation_.load();
  }
  try {
    for (const auto& [name, value] : settings) conn.conn->set_variable(name, value);
  } catch (...) {
    RethrowAsProjectError();
  }
  conn.read_settings = generation;
}

}  // namespace blog
