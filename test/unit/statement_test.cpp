// Statement arguments and array literals (statement.hpp), without a database.
#include "common/statement.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using blog::SqlArray;
using blog::SqlParam;

TEST_CASE("statement arguments are PostgreSQL text of their C++ values", "[database]") {
  CHECK(SqlParam("plain").Text() == "plain");
  CHECK(SqlParam(std::string("owned")).Text() == "owned");
  CHECK(SqlParam(true).Text() == "t");
  CHECK(SqlParam(false).Text() == "f");
  CHECK(SqlParam(42).Text() == "42");
  CHECK(SqlParam(std::numeric_limits<std::int64_t>::min()).Text() == "-9223372036854775808");
  CHECK(SqlParam(std::numeric_limits<std::uint64_t>::max()).Text() == "18446744073709551615");
  CHECK_FALSE(SqlParam(0).IsNull());
  CHECK(SqlParam(0).Text() == "0");
}

TEST_CASE("an empty optional argument is NULL and a full one its value", "[database]") {
  CHECK(SqlParam(std::nullopt).IsNull());
  CHECK(SqlParam(std::optional<std::string>()).IsNull());
  const SqlParam some(std::optional<std::int64_t>(-7));
  CHECK_FALSE(some.IsNull());
  CHECK(some.Text() == "-7");
  CHECK_FALSE(SqlParam(std::string()).IsNull());  // an empty string is not NULL
}

TEST_CASE("a copied integer argument keeps its digits", "[database]") {
  std::vector<SqlParam> params;
  for (int i = 0; i < 100; ++i) params.emplace_back(i * 1000);  // reallocates and copies
  for (int i = 0; i < 100; ++i)
    CHECK(params[static_cast<std::size_t>(i)].Text() == std::to_string(i * 1000));
}

TEST_CASE("an array literal keeps quotes, backslashes, braces and NULL as literal text",
          "[database]") {
  SqlArray array;
  CHECK(array.Take() == "{}");
  array.Add("a\"b");
  array.Add("c\\d");
  array.Add("{x,y}");
  array.Add("NULL");
  array.Add(std::int64_t{-3});
  CHECK(array.Size() == 5);
  CHECK(array.Take() == R"({"a\"b","c\\d","{x,y}","NULL",-3})");
  CHECK(array.Size() == 0);
  array.Add("again");
  CHECK(array.Take() == R"({"again"})");
}
