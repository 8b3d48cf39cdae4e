// The text form of a PostgreSQL array ("{…}"), built to be passed as one statement parameter
// (`unnest($1::text[])`): a batch of rows then costs one parameter instead of one statement each.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace blog::query {

class PgArray {
 public:
  // Appends `text` as one element, quoted, so any content (quotes, backslashes, commas, braces,
  // "NULL") stays the literal string. `text` must not contain NUL (PostgreSQL text cannot).
  void Add(std::string_view text);
  void Add(std::int64_t value);
  // The array literal; the builder is empty again afterwards.
  std::string Take();
  std::size_t size() const { return size_; }

 private:
  void Separate();
  std::string text_ = "{";
  std::size_t size_ = 0;
};

}  // namespace blog::query
