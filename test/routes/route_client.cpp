#include "route_client.hpp"

#include <catch2/catch.hpp>

#include "harness.hpp"

namespace blog::test {

Config RouteConfig(const std::string& service, const std::string& database_url) {
  return Config{.service = service,
                .port = 0,
                .database_url = database_url,
                .db_pool_size = 2,
                .nats = NatsSettings{.urls = {"nats://127.0.0.1:" + std::to_string(FreePort())},
                                     .user = {},
                                     .password = {},
                                     .stream_replicas = 1,
                                     .file_storage = false,
                                     .duplicate_window = std::chrono::minutes(2),
                                     .client_name = service + "-route-test"},
                .listener = ListenerSettings{.ack_wait = std::chrono::seconds(30),
                                             .max_deliver = 5,
                                             .retry_base = std::chrono::seconds(1),
                                             .retry_max = std::chrono::seconds(30),
                                             .batch = 64},
                .body_limit = 1 << 20,
                .cors_origins = {},
                .log_level = "warn",
                .shutdown_delay = {},
                .shutdown_timeout = std::chrono::seconds(5),
                .idempotency_ttl = std::chrono::hours(24),
                .metrics_port = 0,
                .metrics_refresh = std::chrono::seconds(5),
                .post_wait = std::chrono::milliseconds(2000),
                .banned_words = {"orange"},
                .query_cache_bytes = 16 << 20,
                .query_read_pool = 2};
}

std::string UnreachableDatabaseUrl() {
  return "postgresql://nobody:nothing@127.0.0.1:" + std::to_string(FreePort()) + "/none";
}

RouteClient::RouteClient(Service& service)
    : server_(HttpServerOptions{.port = 0,
                                .body_limit = service.Config().body_limit,
                                .cors_origins = service.Config().cors_origins},
              service.Routes()) {}

HttpResponse RouteClient::Send(const std::string& method, const std::string& target,
                               const std::string& body, const std::string& content_type) const {
  HttpRequest request;
  request.method = method;
  const auto question = target.find('?');
  request.path = target.substr(0, question);
  if (question != std::string::npos) {
    std::string query = target.substr(question + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const std::string pair = query.substr(0, amp);
      const auto eq = pair.find('=');
      request.query[pair.substr(0, eq)] = eq == std::string::npos ? "" : pair.substr(eq + 1);
      query = amp == std::string::npos ? "" : query.substr(amp + 1);
    }
  }
  if (!content_type.empty()) request.headers["content-type"] = content_type;
  request.body = body;
  return server_.Handle(request);
}

std::string HeaderOf(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return {};
}

rapidjson::Document JsonOf(const HttpResponse& response) {
  rapidjson::Document doc;
  doc.Parse(response.body.c_str(), response.body.size());
  INFO(response.body);
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

std::string ErrorMessage(const HttpResponse& response) {
  const auto doc = JsonOf(response);
  REQUIRE(doc.IsObject());
  REQUIRE(doc.HasMember("errors"));
  REQUIRE(doc["errors"].Size() >= 1);
  return doc["errors"][0]["message"].GetString();
}

}  // namespace blog::test
