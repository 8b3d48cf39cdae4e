#include "session.hpp"

#include <memory>
#include <string>
#include <utility>

#include "common/errors.hpp"

// libpqxx passes each argument through string_traits: an SqlParam is already text.
namespace pqxx {
template <>
struct string_traits<blog::SqlParam> {
  static constexpr const char* name() noexcept { return "blog::SqlParam"; }
  static constexpr bool has_null() noexcept { return true; }
  static bool is_null(const blog::SqlParam& param) { return param.IsNull(); }
  static blog::SqlParam null() { return blog::SqlParam(std::nullopt); }
  static void from_string(const char* /*text*/, blog::SqlParam& /*param*/) {
    throw blog::Error("an SqlParam is never read from a result");
  }
  static std::string to_string(const blog::SqlParam& param) { return std::string(param.Text()); }
};
}  // namespace pqxx

namespace blog {

pqxx::row::size_type SqlResult::Column(std::string_view column) const {
  const auto columns = result.columns();
  for (pqxx::row::size_type i = 0; i < columns; ++i) {
    if (column == result.column_name(i)) return i;
  }
  throw FieldError("no column \"" + std::string(column) + "\" in the result of " + StatementName());
}

Rows SqlSession::Exec(const Statement& statement, std::span<const SqlParam> params) {
  if (block_ == Block::kOwn && (!open_ || !ahead_.empty())) {
    return ExecText(Invocation(statement, params));
  }
  try {
    conn_.Declare(statement);
    return Rows(std::make_shared<const SqlResult>(SqlResult{tx_.exec_prepared(
        statement.name, pqxx::prepare::make_dynamic_params(params.begin(), params.end()))}));
  } catch (...) {
    Fail();
  }
}

Rows SqlSession::ExecScript(std::string_view sql) {
  // A script (schema changes, administration, a batch's settings) is rare: BEGIN goes on its
  // own, so that the script reaches PostgreSQL, and pg_stat_activity shows it, as written.
  if (block_ == Block::kOwn && !open_) ExecText("BEGIN");
  return ExecText(std::string(sql));
}

Rows SqlSession::ExecText(std::string sql) {
  if (block_ == Block::kOwn) {
    sql.insert(0, std::exchange(ahead_, {}));
    if (!open_) {
      sql.insert(0, "BEGIN; ");
      open_ = true;  // from here on, even when the statement after BEGIN fails
    }
  }
  try {
    // Several statements in one string: the result is the last one's.
    return Rows(std::make_shared<const SqlResult>(SqlResult{tx_.exec(sql)}));
  } catch (...) {
    Fail();
  }
}

void SqlSession::Fail() {
  try {
    RethrowAsProjectError();
  } catch (...) {
    failure_ = std::current_exception();
    throw;
  }
}

std::string SqlSession::Invocation(const Statement& statement,
                                   std::span<const SqlParam> params) {
  try {
    conn_.Declare(statement);
    conn_.conn->prepare_now(statement.name);
    std::string sql = "EXECUTE " + conn_.conn->quote_name(statement.name);
    for (std::size_t i = 0; i < params.size(); ++i) {
      sql += i == 0 ? "(" : ", ";
      if (params[i].IsNull()) {
        sql += "NULL";
      } else {
        const std::string_view text = params[i].Text();
        sql += '\'';  // an untyped literal: it takes the parameter's type, as a bound value does
        sql += conn_.conn->esc(text.data(), text.size());
        sql += '\'';
      }
    }
    if (!params.empty()) sql += ')';
    return sql;
  } catch (...) {
    Fail();
  }
}

void SqlSession::ExecLater(const Statement& statement, std::span<const SqlParam> params) {
  Defer(later_, statement, params);
}

void SqlSession::ExecWithNext(const Statement& statement, std::span<const SqlParam> params) {
  Defer(ahead_, statement, params);
}

void SqlSession::Defer(std::string& queue, const Statement& statement,
                       std::span<const SqlParam> params) {
  if (block_ == Block::kLibrary) {
    Exec(statement, params);
    return;
  }
  queue += Invocation(statement, params);
  queue += "; ";
}

void SqlSession::Commit() {
  // A handler that caught a statement's error and went on hears of it again.
  if (failure_) std::rethrow_exception(failure_);
  // Nothing ran: there is no transaction to commit.
  if (!open_ && later_.empty() && ahead_.empty()) return;
  std::string sql = std::move(later_);
  later_.clear();
  sql += "COMMIT";
  ExecText(std::move(sql));
  open_ = false;
}

void SqlSession::Rollback() noexcept {
  later_.clear();
  ahead_.clear();
  // A broken connection has rolled back by itself; libpqxx would reconnect only to say ROLLBACK.
  if (!std::exchange(open_, false) || !conn_.conn->is_open()) return;
  try {
    tx_.exec("ROLLBACK");
  } catch (...) {  // a broken connection: the server rolls back by itself, the pool drops it
  }
}

}  // namespace blog
