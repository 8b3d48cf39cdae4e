// SQL statements as the services declare them: a name and its SQL, together, once.
//
//   const blog::Statement kDecide{
//       "comments_decide", "UPDATE comments SET status = $2 WHERE id = $1 RETURNING version"};
//   const blog::Rows rows = tx.Exec(kDecide, id, "approved");
//
// A statement is prepared by each pooled connection on its first execution there, and runs as
// that prepared statement afterwards (no parse or plan per execution). Its arguments are typed
// C++ values (SqlParam); its rows are read by column name (rows.hpp).
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace blog {

// A statement: `name` identifies it on every connection, so one name must always carry the
// same SQL (executing a name with other SQL throws Error). `sql` is one statement with
// parameters $1, $2, ...
struct Statement {
  std::string name;
  std::string sql;
};

// One argument of a statement, in PostgreSQL's text format: a string (borrowed, not copied: an
// SqlParam lives only as an argument of Exec, Read or ExecWithEvent), an integer, a bool, NULL
// (std::nullopt), or an optional of those.
class SqlParam {
 public:
  SqlParam(std::string_view text) : text_(text) {}    // NOLINT: implicit by design
  SqlParam(const std::string& text) : text_(text) {}  // NOLINT
  SqlParam(const char* text) : text_(text) {}         // NOLINT
  SqlParam(bool value) : text_(value ? "t" : "f") {}  // NOLINT
  // Any integer; a bool takes the overload above, which is not a template.
  template <std::integral Int>
  SqlParam(Int value) {  // NOLINT
    const auto end = std::to_chars(digits_, digits_ + sizeof(digits_), value).ptr;
    digit_count_ = static_cast<std::size_t>(end - digits_);
  }
  SqlParam(std::nullopt_t) : null_(true) {}  // NOLINT
  template <typename T>
  SqlParam(const std::optional<T>& value)  // NOLINT
      : SqlParam(value ? SqlParam(*value) : SqlParam(std::nullopt)) {}

  bool IsNull() const { return null_; }
  // The value as PostgreSQL's text format has it; empty for NULL.
  std::string_view Text() const {
    return digit_count_ > 0 ? std::string_view(digits_, digit_count_) : text_;
  }

 private:
  std::string_view text_;
  bool null_ = false;
  char digits_[24] = {};  // an integer's digits: no allocation
  std::size_t digit_count_ = 0;
};

// The text form of a PostgreSQL array ("{…}"), to pass a batch of values as ONE parameter
// (`unnest($1::text[])`, `= ANY($1::uuid[])`): a batch of rows then costs one statement.
class SqlArray {
 public:
  // Appends `text` as one element, quoted, so that any content (quotes, backslashes, commas,
  // braces, "NULL") stays the literal string. `text` must not contain NUL (PostgreSQL text
  // cannot).
  void Add(std::string_view text);
  void Add(std::int64_t value);
  // The array literal; the builder is empty again afterwards.
  std::string Take();
  std::size_t Size() const { return size_; }

 private:
  void Separate();
  std::string text_ = "{";
  std::size_t size_ = 0;
};

}  // namespace blog
