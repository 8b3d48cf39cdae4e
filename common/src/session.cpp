#include "session.hpp"

#include <memory>
#include <string>

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
  try {
    conn_.Declare(statement);
    return Rows(std::make_shared<const SqlResult>(SqlResult{tx_.exec_prepared(
        statement.name, pqxx::prepare::make_dynamic_params(params.begin(), params.end()))}));
  } catch (...) {
    RethrowAsProjectError();
  }
}

Rows SqlSession::ExecScript(std::string_view sql) {
  try {
    return Rows(std::make_shared<const SqlResult>(SqlResult{tx_.exec(std::string(sql))}));
  } catch (...) {
    RethrowAsProjectError();
  }
}

}  // namespace blog
