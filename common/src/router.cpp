#include "common/router.hpp"

namespace blog {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) segments.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

void Router::Add(std::string method, std::string pattern, HttpHandler handler) {
  auto segments = SplitPath(pattern);
  routes_.push_back(
      {std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

HttpResponse Router::Route(HttpRequest& request, std::string& matched_pattern) const {
  const auto segments = SplitPath(request.path);
  std::string allowed;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool match = true;
    for (std::size_t i = 0; i < segments.size() && match; ++i) {
      const auto& want = route.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        params.push_back(segments[i]);
      } else {
        match = want == segments[i];
      }
    }
    if (!match) continue;
    if (route.method != request.method) {
      if (allowed.find(route.method) == std::string::npos) {
        allowed += (allowed.empty() ? "" : ", ") + route.method;
      }
      continue;
    }
    matched_pattern = route.pattern;
    request.params = std::move(params);
    return route.handler(request);
  }
  matched_pattern = "unmatched";
  if (!allowed.empty()) {
    auto response = ErrorResponse(405, "method " + request.method + " not allowed on " +
                                           request.path + "; allowed: " + allowed);
    response.headers.emplace_back("Allow", allowed);
    return response;
  }
  return ErrorResponse(404, "no route for " + request.method + " " + request.path);
}

}  // namespace blog
