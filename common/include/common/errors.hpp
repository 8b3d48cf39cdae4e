// Error types shared by every service. Each maps to one HTTP status at the HTTP boundary and to
// one outcome (dead-letter, retry) at the message boundary; see http.hpp and listener.hpp.
#pragma once

#include <stdexcept>
#include <string>

namespace blog {

// Base of all project errors; `field` names the input at fault, or is empty.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, std::string field = {})
      : std::runtime_error(message), field_(std::move(field)) {}
  const std::string& Field() const { return field_; }

 private:
  std::string field_;
};

// Bytes that are not a valid event: never retried, dead-lettered at once.
class DecodeError : public Error {
  using Error::Error;
};

// A client sent something invalid: HTTP 400.
class ValidationError : public Error {
  using Error::Error;
};

// An unknown id or route: HTTP 404.
class NotFoundError : public Error {
  using Error::Error;
};

// A dependency (PostgreSQL, NATS) cannot be reached now: HTTP 503, message retried later.
class UnavailableError : public Error {
  using Error::Error;
};

// A setting from the environment is invalid: the process exits non-zero at start.
class ConfigError : public Error {
  using Error::Error;
};

// PostgreSQL refused a statement (a constraint, a malformed value, a missing table...).
// `Sqlstate()` is the five-character SQLSTATE code, e.g. "23505" for a unique violation.
class SqlError : public Error {
 public:
  SqlError(const std::string& message, std::string sqlstate)
      : Error(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& Sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

// PostgreSQL aborted the transaction to resolve a conflict with a concurrent one: a
// serialization failure or a deadlock (SQLSTATE class 40). Nothing of it was committed, and
// running the same work again may succeed.
class TransactionConflictError : public SqlError {
  using SqlError::SqlError;
};

// A field of a result read as what it is not: an unknown column, NULL read into a type without
// an empty value, or text that is not of the type asked for. The message names the column and
// the statement. A programming error, not bad input.
class FieldError : public Error {
  using Error::Error;
};

}  // namespace blog
