#include "common/http_server.hpp"

#include <cpprest/http_listener.h>
#include <cpprest/uri.h>

#include <algorithm>
#include <thread>

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "common/trace.hpp"

namespace blog {
namespace {

namespace http = web::http;

bool IsJson(const std::string& content_type) {
  std::string lower = content_type;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  return lower.rfind("application/json", 0) == 0;
}

bool IsQuiet(const std::string& path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics";
}

}  // namespace

struct HttpServer::Impl {
  std::unique_ptr<http::experimental::listener::http_listener> listener;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
};

HttpServer::HttpServer(HttpServerOptions options, const Router& router)
    : options_(std::move(options)), router_(router), impl_(std::make_unique<Impl>()) {}

HttpServer::~HttpServer() { Stop(std::chrono::seconds(1)); }

HttpResponse HttpServer::Handle(HttpRequest& request) const {
  const auto started = std::chrono::steady_clock::now();
  const TraceScope trace(TraceParent::FromHeader(request.Header("traceparent").value_or("")));
  const auto origin = request.Header("origin");
  const bool cors_allowed =
      origin && std::any_of(options_.cors_origins.begin(), options_.cors_origins.end(),
                            [&](const std::string& o) { return o == "*" || o == *origin; });
  std::string pattern = "unmatched";
  HttpResponse response;
  if (request.method == "OPTIONS" && cors_allowed) {
    response.status = 204;
    response.content_type.clear();
    response.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    response.headers.emplace_back("Access-Control-Allow-Headers", "Content-Type, traceparent");
    response.headers.emplace_back("Access-Control-Max-Age", "600");
  } else if (impl_->stopping) {
    response = ErrorResponse(503, "service is shutting down");
    response.headers.emplace_back("Connection", "close");
  } else if (options_.admit && !options_.admit(request)) {
    response = ErrorResponse(503, "service is starting, retry later");
  } else {
    try {
      if (request.body.size() > options_.body_limit) {
        throw HttpError(413, "request body exceeds " + std::to_string(options_.body_limit) +
                                 " bytes");
      }
      const bool has_body_method =
          request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
      if (has_body_method && !IsJson(request.Header("content-type").value_or(""))) {
        throw HttpError(415, "request body must be application/json", "content-type");
      }
      response = router_.Route(request, pattern);
    } catch (...) {
      response = ResponseForCurrentException();
    }
  }
  if (cors_allowed) {
    response.headers.emplace_back("Access-Control-Allow-Origin", *origin);
    response.headers.emplace_back("Access-Control-Expose-Headers", "X-Next-Cursor, X-Trace-Id");
    response.headers.emplace_back("Vary", "Origin");
  }
  response.headers.emplace_back("X-Trace-Id", CurrentTrace().trace_id);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string status = std::to_string(response.status);
  auto& metrics = Metrics::Global();
  metrics.Increment("blog_http_requests_total",
                    {{"method", request.method}, {"route", pattern}, {"status", status}});
  metrics.Observe("blog_http_request_duration_seconds", {{"route", pattern}}, seconds);
  const auto level = IsQuiet(request.path) && response.status < 500 ? log::Level::kDebug
                                                                     : log::Level::kInfo;
  log::Write(level, "request",
             {{"method", request.method},
              {"path", request.path},
              {"status", status},
              {"ms", std::to_string(static_cast<int>(seconds * 1000))}});
  return response;
}

void HttpServer::Start() {
  const std::string uri = "http://" + options_.host + ":" + std::to_string(options_.port);
  http::experimental::listener::http_listener_config config;
  config.set_timeout(std::chrono::seconds(30));
  impl_->listener = std::make_unique<http::experimental::listener::http_listener>(uri, config);
  impl_->listener->support([this](http::http_request raw) {
    ++impl_->in_flight;
    HttpRequest request;
    HttpResponse response;
    try {
      request.method = raw.method();
      const auto& uri_ref = raw.relative_uri();
      request.path = web::uri::decode(uri_ref.path());
      for (const auto& [key, value] : web::uri::split_query(uri_ref.query())) {
        request.query[web::uri::decode(key)] = web::uri::decode(value);
      }
      for (const auto& [name, value] : raw.headers()) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        request.headers[lower] = value;
      }
      if (raw.headers().content_length() > options_.body_limit) {
        request.body.assign(options_.body_limit + 1, ' ');  // over the limit: refused unread
      } else {
        const auto bytes = raw.extract_vector().get();
        request.body.assign(bytes.begin(), bytes.end());
      }
      response = Handle(request);
    } catch (const std::exception& e) {
      response = ErrorResponse(400, std::string("malformed request: ") + e.what());
    }
    http::http_response reply(static_cast<http::status_code>(response.status));
    for (const auto& [name, value] : response.headers) reply.headers().add(name, value);
    if (!response.content_type.empty()) {
      reply.set_body(std::move(response.body), response.content_type + "; charset=utf-8");
    }
    raw.reply(reply).then([](const pplx::task<void>& t) {
      try {
        t.get();
      } catch (const std::exception&) {
        // the client went away; nothing to do
      }
    });
    --impl_->in_flight;
  });
  try {
    impl_->listener->open().wait();
  } catch (const std::exception& e) {
    impl_->listener.reset();
    throw Error("cannot listen on " + uri + ": " + e.what());
  }
  log::Info("listening", {{"port", std::to_string(options_.port)}});
}

void HttpServer::Stop(std::chrono::milliseconds timeout) {
  if (!impl_->listener) return;
  impl_->stopping = true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (impl_->in_flight > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  try {
    impl_->listener->close().wait();
  } catch (const std::exception& e) {
    log::Warn("closing the http listener failed", {{"error", e.what()}});
  }
  impl_->listener.reset();
}

}  // namespace blog
