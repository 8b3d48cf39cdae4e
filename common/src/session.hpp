// Internal to common/: runs statements on one pooled connection, inside a libpqxx transaction
// (Tx) or outside any (Database::Read, ExecWithEvent), and wraps their results as Rows.
//
// With Block::kOwn (Database::Transact) the session opens and closes the transaction block
// itself to save round trips: BEGIN travels with the first statement (unless that is a script
// of ExecScript, which goes as written, after a BEGIN of its own), and the statements run
// with ExecLater (outbox rows) travel with COMMIT. Those two are sent as text (the simple query
// protocol allows several statements in one message) that EXECUTEs the prepared statement with
// its arguments as quoted literals; every other statement runs prepared as usual. A statement
// run with ExecWithNext travels the same way in front of the next one (or of COMMIT). A
// listener's delivery (inbox, handler statement, outbox row, commit) thus costs two round trips,
// not five: BEGIN, inbox row and handler statement; outbox row and COMMIT.
#pragma once

#include <exception>
#include <span>
#include <string>
#include <string_view>

#include <pqxx/pqxx>

#include "common/rows.hpp"
#include "common/statement.hpp"

#include "pool.hpp"

namespace blog {

// What a Rows holds.
struct SqlResult {
  pqxx::result result;
  // The index of `column`; FieldError when the result has no such column.
  pqxx::row::size_type Column(std::string_view column) const;
  // The statement's name (or SQL), for error messages.
  const std::string& StatementName() const { return result.query(); }
};

class SqlSession {
 public:
  // Who opens and closes the transaction block: the libpqxx transaction `tx` (kLibrary), or
  // this session on the plain (pqxx::nontransaction) `tx` (kOwn: see above).
  enum class Block { kLibrary, kOwn };

  SqlSession(PooledConnection& conn, pqxx::transaction_base& tx, Block block = Block::kLibrary)
      : conn_(conn), tx_(tx), block_(block) {}

  // Errors as RethrowAsProjectError gives them.
  Rows Exec(const Statement& statement, std::span<const SqlParam> params);
  Rows ExecScript(std::string_view sql);
  // Runs `statement`, whose rows nobody reads, before the commit: with kOwn in COMMIT's round
  // trip, with kLibrary at once. An error it raises surfaces from Commit.
  void ExecLater(const Statement& statement, std::span<const SqlParam> params);
  // Runs `statement`, whose rows nobody reads, in front of the next statement: with kOwn in
  // the same round trip, with kLibrary at once. An error it raises surfaces from that next one.
  void ExecWithNext(const Statement& statement, std::span<const SqlParam> params);

  // kOwn only. Sends the statements run later and COMMIT (nothing when no statement ran).
  // Throws the error of a statement of the block that failed before, without committing.
  void Commit();
  // kOwn only. Rolls back an open block. Never throws (a broken connection rolls back itself).
  void Rollback() noexcept;

 private:
  // "EXECUTE name('arg', ...)": `statement` with `params` as literals; prepares it if needed.
  std::string Invocation(const Statement& statement, std::span<const SqlParam> params);
  // Appends `statement` to `queue` (later_ or ahead_) with kOwn; runs it at once with kLibrary.
  void Defer(std::string& queue, const Statement& statement, std::span<const SqlParam> params);
  // Rethrows the current exception as RethrowAsProjectError does, and remembers it for Commit.
  [[noreturn]] void Fail();
  // Runs `sql` as text, after BEGIN when the block is not open yet and after the statements
  // waiting for the next one (kOwn).
  Rows ExecText(std::string sql);

  PooledConnection& conn_;
  pqxx::transaction_base& tx_;
  const Block block_;
  bool open_ = false;    // kOwn: BEGIN was sent
  std::exception_ptr failure_;  // a statement failed (as this error): the block is aborted
  std::string later_;    // kOwn: the EXECUTEs to send with COMMIT
  std::string ahead_;    // kOwn: the EXECUTEs to send with the next statement
};

}  // namespace blog
