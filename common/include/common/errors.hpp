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
  const std::string& field() const { return field_; }

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

}  // namespace blog
