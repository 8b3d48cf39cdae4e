// Internal to common/: runs statements on one pooled connection, inside a libpqxx transaction
// (Tx) or outside any (Database::Read, ExecWithEvent), and wraps their results as Rows.
#pragma once

#include <span>
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
  SqlSession(PooledConnection& conn, pqxx::transaction_base& tx) : conn_(conn), tx_(tx) {}

  // Errors as RethrowAsProjectError gives them.
  Rows Exec(const Statement& statement, std::span<const SqlParam> params);
  Rows ExecScript(std::string_view sql);

 private:
  PooledConnection& conn_;
  pqxx::transaction_base& tx_;
};

}  // namespace blog
