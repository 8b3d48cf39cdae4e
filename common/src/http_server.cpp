#include "common/http_server.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <thread>

#include "common/ascii.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "common/trace.hpp"

#include <microhttpd.h>

// The server runs on libmicrohttpd: one thread per connection (handlers may block on the
// database without stalling other connections), a bound on concurrent connections, an idle and
// slow-client timeout, and a per-connection memory limit that bounds header size.

namespace blog {
namespace {

// Exactly the media type application/json, optionally with charset=utf-8.
bool IsJson(const std::string& content_type) {
  std::string lower;
  for (const char c : content_type) {
    if (c != ' ' && c != '\t') lower.push_back(AsciiLower(c));
  }
  return lower == "application/json" || lower == "application/json;charset=utf-8" ||
         lower == "application/json;charset=\"utf-8\"";
}

// RFC 9110 token characters, the only ones allowed in a header name.
bool IsToken(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) != 0 || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// A Host value: uri-host [ ":" port ] (RFC 9110 §7.2), i.e. a reg-name, IPv4 address or
// bracketed IP literal; no spaces, slashes or userinfo.
bool IsHostValue(std::string_view host) {
  if (host.empty()) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) != 0 || std::string_view("-._~!$&'()*+,;=:[]%").find(c) != std::string_view::npos;
  });
}

bool HasControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Percent-decoding for paths and query values that keeps a decoded NUL visible (as 0x01)
// instead of cutting the string short, so that "%00" is refused rather than silently dropped.
size_t Unescape(void* /*cls*/, MHD_Connection* /*connection*/, char* s) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  char* out = s;
  for (const char* in = s; *in != '\0'; ++in) {
    if (in[0] == '%' && hex(in[1]) >= 0 && hex(in[2]) >= 0) {
      const char decoded = static_cast<char>(hex(in[1]) * 16 + hex(in[2]));
      *out++ = decoded == '\0' ? '\x01' : decoded;
      in += 2;
    } else {
      *out++ = *in;
    }
  }
  *out = '\0';
  return static_cast<size_t>(out - s);
}

bool IsQuiet(const std::string& path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics";
}

// What accumulates for one request between libmicrohttpd's callbacks.
struct Exchange {
  HttpRequest request;
  bool too_large = false;
  std::string malformed;  // why the request line or headers are refused, if they are
};

MHD_Result CollectHeader(void* cls, MHD_ValueKind /*kind*/, const char* key, const char* value) {
  auto* exchange = static_cast<Exchange*>(cls);
  std::string name = key;
  if (!IsToken(name)) exchange->malformed = "invalid header name";
  name = AsciiLower(name);
  const bool repeated = exchange->request.headers.count(name) > 0;
  if (repeated && (name == "content-type" || name == "content-length" || name == "host" ||
                   name == "idempotency-key")) {
    exchange->malformed = "header " + name + " given twice";
  }
  if (name == "host" && !IsHostValue(value != nullptr ? value : "")) {
    exchange->malformed = "invalid Host header";
  }
  exchange->request.headers[name] = value != nullptr ? value : "";
  return MHD_YES;
}

MHD_Result CollectQuery(void* cls, MHD_ValueKind /*kind*/, const char* key, const char* value) {
  static_cast<Exchange*>(cls)->request.query[key] = value != nullptr ? value : "";
  return MHD_YES;
}

void Completed(void* /*cls*/, MHD_Connection* /*connection*/, void** con_cls,
               MHD_RequestTerminationCode /*code*/) {
  delete static_cast<Exchange*>(*con_cls);
  *con_cls = nullptr;
}

}  // namespace

struct HttpServer::Impl {
  MHD_Daemon* daemon = nullptr;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};

  static MHD_Result Access(void* cls, MHD_Connection* connection, const char* url,
                           const char* method, const char* /*version*/, const char* upload_data,
                           size_t* upload_data_size, void** con_cls);
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
    response.headers.emplace_back("Access-Control-Allow-Headers",
                                  "Content-Type, traceparent, Idempotency-Key");
    response.headers.emplace_back("Access-Control-Max-Age", "600");
  } else if (impl_->stopping) {
    response = ErrorResponse(503, "service is shutting down");
    response.headers.emplace_back("Connection", "close");
  } else if (options_.admit && !options_.admit(request)) {
    response = ErrorResponse(503, "service is starting, retry later");
  } else {
    try {
      if (request.path.empty() || request.path.front() != '/' || HasControl(request.path)) {
        throw HttpError(400, "invalid request path");
      }
      for (const auto& [key, value] : request.query) {
        if (HasControl(key) || HasControl(value)) throw HttpError(400, "invalid query string");
      }
      if (const auto encoding = request.Header("content-encoding");
          encoding && *encoding != "identity") {
        throw HttpError(415, "content-encoding " + *encoding + " is not supported",
                        "content-encoding");
      }
      if (request.path.size() > options_.url_limit) {
        throw HttpError(414,
                        "request path exceeds " + std::to_string(options_.url_limit) + " bytes");
      }
      if (request.body.size() > options_.body_limit) {
        throw HttpError(413,
                        "request body exceeds " + std::to_string(options_.body_limit) + " bytes");
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
    response.headers.emplace_back("Access-Control-Expose-Headers",
                                  "X-Next-Cursor, X-Trace-Id, Idempotent-Replayed, Retry-After");
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
  const auto level =
      IsQuiet(request.path) && response.status < 500 ? log::Level::kDebug : log::Level::kInfo;
  log::Write(level, "request",
             {{"method", request.method},
              {"path", request.path.substr(0, 200)},
              {"status", status},
              {"ms", std::to_string(static_cast<int>(seconds * 1000))}});
  return response;
}

MHD_Result HttpServer::Impl::Access(void* cls, MHD_Connection* connection, const char* url,
                                    const char* method, const char* version,
                                    const char* upload_data, size_t* upload_data_size,
                                    void** con_cls) {
  auto* server = static_cast<HttpServer*>(cls);
  auto* exchange = static_cast<Exchange*>(*con_cls);
  if (exchange == nullptr) {
    // First call: headers are complete; the body (if any) follows in further calls.
    exchange = new Exchange();
    *con_cls = exchange;
    exchange->request.method = method;
    exchange->request.path = url;
    if (std::string_view(version) == MHD_HTTP_VERSION_1_1 &&
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST) == nullptr) {
      exchange->malformed = "HTTP/1.1 requires a Host header";
    }
    MHD_get_connection_values(connection, MHD_HEADER_KIND, CollectHeader, exchange);
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, CollectQuery, exchange);
    if (const auto length = exchange->request.Header("content-length")) {
      exchange->too_large =
          length->size() > 18 || std::stoull("0" + *length) > server->options_.body_limit;
    }
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    auto& body = exchange->request.body;
    if (!exchange->too_large) body.append(upload_data, *upload_data_size);
    if (body.size() > server->options_.body_limit) {
      exchange->too_large = true;
      body.clear();
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  ++server->impl_->in_flight;
  if (!exchange->malformed.empty()) {
    HttpResponse refused = ErrorResponse(400, "malformed request: " + exchange->malformed);
    MHD_Response* reply = MHD_create_response_from_buffer(
        refused.body.size(), refused.body.data(), MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(reply, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    MHD_add_response_header(reply, MHD_HTTP_HEADER_CONNECTION, "close");
    const MHD_Result queued = MHD_queue_response(connection, 400, reply);
    MHD_destroy_response(reply);
    --server->impl_->in_flight;
    return queued;
  }
  if (exchange->too_large) {
    exchange->request.body.assign(server->options_.body_limit + 1, ' ');  // refused unread
  }
  HttpResponse response = server->Handle(exchange->request);
  MHD_Response* reply = MHD_create_response_from_buffer(response.body.size(), response.body.data(),
                                                        MHD_RESPMEM_MUST_COPY);
  for (const auto& [name, value] : response.headers) {
    MHD_add_response_header(reply, name.c_str(), value.c_str());
  }
  if (!response.content_type.empty()) {
    const std::string type = response.content_type + "; charset=utf-8";
    MHD_add_response_header(reply, MHD_HTTP_HEADER_CONTENT_TYPE, type.c_str());
  }
  if (exchange->too_large) MHD_add_response_header(reply, MHD_HTTP_HEADER_CONNECTION, "close");
  const MHD_Result queued =
      MHD_queue_response(connection, static_cast<unsigned>(response.status), reply);
  MHD_destroy_response(reply);
  --server->impl_->in_flight;
  return queued;
}

void HttpServer::Start() {
  impl_->stopping = false;
  impl_->daemon = MHD_start_daemon(
      MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC,
      static_cast<uint16_t>(options_.port), nullptr, nullptr, &Impl::Access, this,
      MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned>(options_.max_connections),
      MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned>(options_.request_timeout.count()),
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, options_.header_limit, MHD_OPTION_NOTIFY_COMPLETED,
      &Completed, nullptr, MHD_OPTION_UNESCAPE_CALLBACK, &Unescape, nullptr,
      // Refuse what RFC 9112 lets a server refuse (NUL or bare CR in the request line, header
      // lines without a name, whitespace before a colon) rather than guess at it.
      MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
  if (impl_->daemon == nullptr) {
    throw Error("cannot listen on port " + std::to_string(options_.port) +
                " (in use, or not permitted)");
  }
  log::Info("listening", {{"port", std::to_string(options_.port)}});
}

void HttpServer::Stop(std::chrono::milliseconds timeout) {
  if (impl_->daemon == nullptr) return;
  impl_->stopping = true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (impl_->in_flight > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  MHD_quiesce_daemon(impl_->daemon);
  MHD_stop_daemon(impl_->daemon);
  impl_->daemon = nullptr;
}

}  // namespace blog
