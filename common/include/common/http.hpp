// HTTP requests and responses as the services see them, independent of the server library.
//
// Routes are plain functions Request -> Response. They signal failures by throwing: the
// server's adapter turns ValidationError into 400, NotFoundError 404, HttpError its own status,
// UnavailableError 503 and anything else 500 (logged), always with the error body
//   {"errors":[{"message":"…","field":"…"}]}   ("field" only where one field is at fault).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/errors.hpp"

namespace blog {

struct HttpRequest {
  std::string method;
  std::string path;                            // decoded, without the query
  std::map<std::string, std::string> query;    // decoded
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::vector<std::string> params;  // values of the route's {placeholders}, in order

  std::optional<std::string> Header(std::string_view name) const;
  std::optional<std::string> Query(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse Json(int status, std::string body);
};

// An error with an explicit status (405, 413, 415, ...).
class HttpError : public Error {
 public:
  HttpError(int status, const std::string& message, std::string field = {})
      : Error(message, std::move(field)), status_(status) {}
  int Status() const { return status_; }

 private:
  int status_;
};

// The error body for one error.
std::string ErrorBody(std::string_view message, std::string_view field = {});
HttpResponse ErrorResponse(int status, std::string_view message, std::string_view field = {});

// The integer query parameter `name`, `fallback` when absent; ValidationError (naming the
// parameter) when it is not an integer within [min, max].
std::int64_t QueryInt(const HttpRequest& request, std::string_view name, std::int64_t fallback,
                      std::int64_t min, std::int64_t max);

// The id of the post a route such as /posts/{id}/comments names ({id}, its first parameter).
// An id that is not a UUID names no post: PostNotFound(id) is thrown, as for an unknown one.
const std::string& PostIdParam(const HttpRequest& request);

// The error every service answers for a post it does not know (404).
NotFoundError PostNotFound(std::string_view id);

// Maps the exception being handled (call inside a catch block) to its response.
HttpResponse ResponseForCurrentException();

}  // namespace blog
