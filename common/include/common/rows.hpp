// The rows a statement returned, read by column name into typed values:
//
//   for (const blog::Row& row : tx.Exec(kListComments, post_id)) {
//     const std::string_view id = row.Get<std::string_view>("id");
//     const std::int64_t version = row.Get<std::int64_t>("version");
//     const std::optional<std::string> title = row.Get<std::optional<std::string>>("title");
//   }
//
// Get<T> supports std::string, std::string_view (a view into the Rows: valid while they live),
// std::int64_t, int, bool, double, and std::optional of each (NULL is std::nullopt). Reading an
// unknown column, NULL into a type that is not an optional, or text that is not a T throws
// FieldError naming the column and the statement. Rows are immutable and cheap to copy (copies
// share the result). A Row taken from a Rows variable borrows it and is valid while a copy of
// those Rows lives; one taken from a temporary (`db.Read(...)[0]`) shares the result itself. A
// string_view read from a row is valid while the result is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace blog {

// Internal to common/: a statement's result as the database layer holds it (common/src).
struct SqlResult;

namespace detail {
template <typename T>
inline constexpr bool kIsOptional = false;
template <typename T>
inline constexpr bool kIsOptional<std::optional<T>> = true;
}  // namespace detail

class Row {
 public:
  template <typename T>
  T Get(std::string_view column) const {
    const std::optional<std::string_view> text = Text(column);
    if constexpr (detail::kIsOptional<T>) {
      if (!text) return std::nullopt;
      typename T::value_type value{};
      Parse(*text, column, value);
      return value;
    } else {
      if (!text) ThrowNull(column);
      T value{};
      Parse(*text, column, value);
      return value;
    }
  }

  bool IsNull(std::string_view column) const { return !Text(column); }

 private:
  friend class Rows;
  Row(const SqlResult* result, std::size_t index) : result_(result), index_(index) {}
  Row(std::shared_ptr<const SqlResult> owner, std::size_t index)
      : result_(owner.get()), index_(index), owner_(std::move(owner)) {}
  // The field's text, or nullopt for NULL.
  std::optional<std::string_view> Text(std::string_view column) const;
  [[noreturn]] void ThrowNull(std::string_view column) const;
  void Parse(std::string_view text, std::string_view column, std::string& out) const;
  void Parse(std::string_view text, std::string_view column, std::string_view& out) const;
  void Parse(std::string_view text, std::string_view column, std::int64_t& out) const;
  void Parse(std::string_view text, std::string_view column, int& out) const;
  void Parse(std::string_view text, std::string_view column, bool& out) const;
  void Parse(std::string_view text, std::string_view column, double& out) const;

  const SqlResult* result_;
  std::size_t index_;
  std::shared_ptr<const SqlResult> owner_;  // set only for a row of temporary Rows
};

class Rows {
 public:
  explicit Rows(std::shared_ptr<const SqlResult> result);  // by the database layer
  Rows() = default;                                        // no rows

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Row operator[](std::size_t index) const& { return Row(result_.get(), index); }
  Row operator[](std::size_t index) && { return Row(std::move(result_), index); }
  // Rows changed by an INSERT, UPDATE or DELETE without RETURNING.
  std::size_t AffectedRows() const;
  // The column names, in the statement's order.
  std::vector<std::string_view> Columns() const;

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Row;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Row;
    Iterator(const SqlResult* result, std::size_t index) : result_(result), index_(index) {}
    Row operator*() const { return Row(result_, index_); }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator before = *this;
      ++index_;
      return before;
    }
    bool operator==(const Iterator& other) const { return index_ == other.index_; }

   private:
    const SqlResult* result_;
    std::size_t index_;
  };
  Iterator begin() const { return {result_.get(), 0}; }
  Iterator end() const { return {result_.get(), size_}; }

 private:
  std::shared_ptr<const SqlResult> result_;
  std::size_t size_ = 0;
};

}  // namespace blog
