// Internal: one transaction for all the writes of an idempotent request (idempotency.cpp).
//
// While a HeldTransaction for a Database lives on a thread, that Database's ExecWithEvent and
// Transact calls on the thread run inside it instead of committing on their own, so that the
// request's answer can be stored in the same transaction as its change and outbox event. The
// transaction (a pooled connection and BEGIN) opens on first use; the holder commits it or rolls
// it back, and destruction rolls back whatever was not committed. Used by one thread.
//
// A statement that returns no rows and reports no affected rows while nothing has been written
// yet is taken to have changed nothing: the transaction is rolled back and its connection goes
// back to the pool, so that a handler that waits and tries again (comments waiting for a post
// to arrive) holds no connection meanwhile, exactly as it would without a key.
#pragma once

#include <optional>

#include <pqxx/pqxx>

#include "common/database.hpp"

#include "pool.hpp"
#include "session.hpp"

namespace blog {

class HeldTransaction {
 public:
  explicit HeldTransaction(Database& db);
  ~HeldTransaction();
  HeldTransaction(const HeldTransaction&) = delete;
  HeldTransaction& operator=(const HeldTransaction&) = delete;
  HeldTransaction(HeldTransaction&&) = delete;
  HeldTransaction& operator=(HeldTransaction&&) = delete;

  // The calling thread's held transaction for `db`, or nullptr.
  static HeldTransaction* Of(const Database& db);

  // The open transaction; opens it first if needed. Connection failures: UnavailableError.
  SqlSession& Session();
  bool IsOpen() const { return session_.has_value(); }

  // Records what a statement run through Session() did (see above); `published` when it may
  // have written outbox rows.
  void Ran(const Rows& rows, bool published);
  // Records a Transact run through Session(): it may have written anything.
  void Wrote(bool published);

  // Commits, returns the connection and, when outbox rows were written, wakes the relay.
  // UnavailableError when the connection fails (the commit may or may not have happened).
  void Commit();
  // Rolls back (if open) and returns the connection. Never throws.
  void Abort() noexcept;

 private:
  // Ends the transaction object and returns the connection (the pool drops a broken one).
  void Close() noexcept;

  Database& db_;
  HeldTransaction* outer_;
  std::optional<ConnectionPool::Lease> lease_;
  std::optional<pqxx::work> work_;
  std::optional<SqlSession> session_;
  bool changed_ = false;
  bool published_ = false;
};

}  // namespace blog
