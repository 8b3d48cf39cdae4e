// The HTTP server behind the services' routes (libmicrohttpd; nothing of it leaks out).
//
// Per connection it bounds header size (`header_limit`: the connection is refused past it) and
// time (`request_timeout`: a slow or idle client is disconnected), and at most
// `max_connections` are served at once. For every request it: answers CORS preflights for the
// allowed origins; refuses paths over `url_limit` (414), bodies over the limit (413, without
// reading them) and non-JSON bodies on POST/PUT/PATCH (415); runs the router with the
// request's trace (traceparent header, or a new trace) as the thread's current trace; maps
// exceptions to error responses (http.hpp); counts the request in /metrics; writes one log line.
// Stop() refuses new requests with 503 and waits for in-flight ones. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/router.hpp"

namespace blog {

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  int port = 0;
  std::size_t body_limit = 1 << 20;
  std::size_t url_limit = 2048;
  std::size_t header_limit = 32 * 1024;
  std::chrono::seconds request_timeout{10};
  int max_connections = 512;
  std::vector<std::string> cors_origins = {};  // "*" allows any origin
  // When set and false for a request, it is answered 503 without routing (a service that has
  // not finished starting serves only its health endpoints).
  std::function<bool(const HttpRequest&)> admit = {};
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, const Router& router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  HttpServer(HttpServer&&) = delete;
  HttpServer& operator=(HttpServer&&) = delete;

  // Starts listening; throws Error when the port cannot be bound.
  void Start();
  // Refuses new requests, waits up to `timeout` for in-flight ones, closes the port.
  void Stop(std::chrono::milliseconds timeout);

  // Handles one request as the server would (also used by tests without a socket).
  HttpResponse Handle(HttpRequest& request) const;

 private:
  struct Impl;
  HttpServerOptions options_;
  const Router& router_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace blog
