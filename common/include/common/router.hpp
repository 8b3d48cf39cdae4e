// Maps (method, path) to a handler. Patterns are literal segments and `{name}` placeholders,
// e.g. "/posts/{id}/comments"; a placeholder matches one non-empty segment, whose value is
// passed in HttpRequest::params. An unknown path is 404; a known path with another method is 405
// with an Allow header. Routes are added before serving starts; Route() is then thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http.hpp"

namespace blog {

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class Router {
 public:
  void Add(std::string method, std::string pattern, HttpHandler handler);

  // Runs the matching handler. `request.params` is filled in. `matched_pattern` receives the
  // route's pattern (for metrics), or "unmatched".
  HttpResponse Route(HttpRequest& request, std::string& matched_pattern) const;

 private:
  struct Entry {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    HttpHandler handler;
  };
  std::vector<Entry> routes_;
};

// Splits "/a/b/" into {"a", "b"}.
std::vector<std::string> SplitPath(std::string_view path);

}  // namespace blog
