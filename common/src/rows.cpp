#include "common/rows.hpp"

#include <charconv>

#include "common/errors.hpp"

#include "session.hpp"

namespace blog {
namespace {

std::string Quoted(std::string_view text) {
  constexpr std::size_t kShown = 40;
  std::string out = "'";
  out += text.substr(0, kShown);
  if (text.size() > kShown) out += "...";
  out += "'";
  return out;
}

template <typename Number>
void ParseNumber(const SqlResult& result, std::string_view text, std::string_view column,
                 const char* kind, Number& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw FieldError("column \"" + std::string(column) + "\" of " + result.StatementName() +
                     " holds " + Quoted(text) + ", not " + kind);
  }
}

}  // namespace

Rows::Rows(std::shared_ptr<const SqlResult> result)
    : result_(std::move(result)), size_(result_->result.size()) {}

std::size_t Rows::AffectedRows() const {
  return result_ ? static_cast<std::size_t>(result_->result.affected_rows()) : 0;
}

std::vector<std::string_view> Rows::Columns() const {
  std::vector<std::string_view> out;
  if (!result_) return out;
  const auto columns = result_->result.columns();
  for (pqxx::row::size_type i = 0; i < columns; ++i) {
    out.emplace_back(result_->result.column_name(i));
  }
  return out;
}

std::optional<std::string_view> Row::Text(std::string_view column) const {
  if (result_ == nullptr || index_ >= result_->result.size()) {
    throw FieldError("row " + std::to_string(index_) + " read past the end of a result");
  }
  const pqxx::field field =
      result_->result[static_cast<pqxx::result::size_type>(index_)][result_->Column(column)];
  if (field.is_null()) return std::nullopt;
  return std::string_view(field.c_str(), field.size());
}

void Row::ThrowNull(std::string_view column) const {
  throw FieldError("column \"" + std::string(column) + "\" of " + result_->StatementName() +
                   " is NULL; read it as a std::optional");
}

void Row::Parse(std::string_view text, std::string_view /*column*/, std::string& out) const {
  out.assign(text);
}

void Row::Parse(std::string_view text, std::string_view /*column*/, std::string_view& out) const {
  out = text;
}

void Row::Parse(std::string_view text, std::string_view column, std::int64_t& out) const {
  ParseNumber(*result_, text, column, "an integer", out);
}

void Row::Parse(std::string_view text, std::string_view column, int& out) const {
  ParseNumber(*result_, text, column, "an integer of 32 bits", out);
}

void Row::Parse(std::string_view text, std::string_view column, double& out) const {
  ParseNumber(*result_, text, column, "a number", out);
}

void Row::Parse(std::string_view text, std::string_view column, bool& out) const {
  if (text == "t" || text == "f") {
    out = text == "t";
    return;
  }
  throw FieldError("column \"" + std::string(column) + "\" of " + result_->StatementName() +
                   " holds " + Quoted(text) + ", not a boolean");
}

}  // namespace blog
