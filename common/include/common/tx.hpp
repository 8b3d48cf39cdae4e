// A unit of work in the service's own database, with the transactional outbox.
//
// Handlers and routes change their tables with Exec() and publish events with Publish(): the
// event is written to the outbox table in the same transaction, so the change and its event
// commit together or not at all. The outbox relay (outbox.hpp) publishes it after the commit.
// A Tx lives only inside Database::Transact and is used by one thread.
//
// Errors of Exec: SqlError (the statement was refused), TransactionConflictError (PostgreSQL
// aborted the transaction: run the work again), UnavailableError (the connection is lost).
// After any of them the transaction is aborted: let the error leave the work function.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/codec.hpp"
#include "common/events.hpp"
#include "common/rows.hpp"
#include "common/statement.hpp"

namespace blog {

// The event a listener is handling, as seen by its handler.
struct IncomingEvent {
  EventMeta meta;
  std::string subject;
  std::uint64_t stream_sequence = 0;
};

// Internal to common/: the open transaction behind a Tx (common/src/session.hpp).
class SqlSession;

class Tx {
 public:
  Tx(SqlSession& session, std::string_view source, const IncomingEvent* incoming)
      : session_(session), source_(source), incoming_(incoming) {}

  // Runs `statement` with `args` ($1, $2, ... in order) and returns its rows.
  template <typename... Args>
  Rows Exec(const Statement& statement, const Args&... args) {
    return ExecParams(statement, {SqlParam(args)...});
  }

  // Runs `statement` with `args` before the transaction commits, in the commit's round trip
  // (Database::Transact): for a statement whose rows nobody reads, usually the last one. An
  // error it raises is thrown by the commit, which then does not happen.
  template <typename... Args>
  void ExecAtCommit(const Statement& statement, const Args&... args) {
    ExecAtCommitParams(statement, {SqlParam(args)...});
  }

  // Runs `statement` with `args` in the round trip of the next statement (or of the commit),
  // in front of it: for a statement whose rows nobody reads that must come first. An error it
  // raises is thrown by that next statement (or the commit), which then does not run.
  template <typename... Args>
  void ExecWithNext(const Statement& statement, const Args&... args) {
    ExecWithNextParams(statement, {SqlParam(args)...});
  }

  // Runs `sql` as it is: one or more statements without parameters, not prepared (schema
  // changes, administration, tests). Returns the rows of the last statement.
  Rows ExecScript(std::string_view sql);

  // Writes `event` to the outbox. An empty `event_id` gets a random UUID; pass a DerivedUuid to
  // make a derived event idempotent. Returns the event id. The row may be sent only with the
  // commit (in its round trip), so the outbox shows it to nobody before then, not even to `tx`.
  std::string Publish(const AnyEvent& event, std::string event_id = {});

  // Runs `statement` (see Database::WithEvent and OutboxInsertSql) with `args` followed by
  // `event`'s outbox row, in the commit's round trip: for a change and its event in one
  // statement whose rows nobody reads, often with the event written only when the change is
  // (OutboxInsertSql's `when`). `event_id` as for Publish; returns the event id.
  template <typename... Args>
  std::string ExecWithEventAtCommit(const Statement& statement, const AnyEvent& event,
                                    std::string event_id, const Args&... args) {
    return ExecWithEventAtCommitParams(statement, event, std::move(event_id),
                                       {SqlParam(args)...});
  }

  // The event being handled (listener transactions), or nullptr (HTTP transactions).
  const IncomingEvent* Incoming() const { return incoming_; }

  bool Published() const { return published_; }

 private:
  Rows ExecParams(const Statement& statement, std::initializer_list<SqlParam> params);
  void ExecAtCommitParams(const Statement& statement, std::initializer_list<SqlParam> params);
  void ExecWithNextParams(const Statement& statement, std::initializer_list<SqlParam> params);
  std::string ExecWithEventAtCommitParams(const Statement& statement, const AnyEvent& event,
                                          std::string event_id,
                                          std::initializer_list<SqlParam> params);

  SqlSession& session_;
  std::string_view source_;
  const IncomingEvent* incoming_;
  bool published_ = false;
};

}  // namespace blog
