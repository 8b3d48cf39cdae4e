// libFuzzer target: HTTP requests through blog::HttpServer::Handle and a Router shaped like the
// services' (seeds: corpus/http/), without a socket.
//
// Input, one request as text (see corpus/http/), already decoded as the adapter hands it over:
//   METHOD \n PATH \n QUERY \n header: value \n ... \n \n BODY
// QUERY is `key=value&...` (split on & and the first =, no percent-decoding: the bytes are the
// decoded ones). The routes validate like the real ones (JsonObject, QueryInt, IsUuid,
// IdempotencyKeyOf) but store nothing. Contract checked (http.hpp, json.hpp, idempotency.hpp,
// DESIGN.md §1): nothing a client sends gives a 5xx; every error has the {"errors":[{"message":…}]}
// body in valid UTF-8 JSON; a 405 says Allow; every string a route accepts is valid UTF-8 without
// NUL, within its length, and a key printable ASCII within its length; and handling
// fits a 512 KiB stack (the body limit is 32 KiB here, so that 413 stays reachable within
// libFuzzer's 64 KiB inputs).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "common/ascii.hpp"
#include "common/http_server.hpp"
#include "common/idempotency.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"

#include "check.hpp"

namespace {

using blog::HttpRequest;
using blog::HttpResponse;
using blog::fuzz::IsValidUtf8;
using blog::fuzz::OnSmallStack;
using blog::fuzz::Violation;

constexpr std::string_view kId = "00000000-0000-4000-8000-000000000000";

// A field as the services read it, checked against json.hpp's promise.
std::string Field(const HttpRequest& request, const char* name, std::size_t max_chars) {
  const std::string value = blog::JsonObject::Parse(request.body).String(name, 1, max_chars);
  if (!IsValidUtf8(value)) Violation("JsonObject::String returned invalid UTF-8", value);
  if (value.find('\0') != std::string::npos) Violation("JsonObject::String returned a NUL", value);
  const std::size_t chars = blog::Utf8Length(value);
  if (chars < 1 || chars > max_chars)
    Violation("JsonObject::String broke its length bounds", value);
  return value;
}

// The Idempotency-Key as the create routes read it, checked against idempotency.hpp's promise.
void Key(const HttpRequest& request) {
  const auto key = blog::IdempotencyKeyOf(request);
  if (!key) return;
  if (key->empty() || key->size() > blog::kMaxIdempotencyKeyChars)
    Violation("IdempotencyKeyOf broke its length bounds", *key);
  for (const char c : *key) {
    if (c < 0x20 || c > 0x7e) Violation("IdempotencyKeyOf returned a non-printable byte", *key);
  }
}

std::string RequireId(const HttpRequest& request) {
  const std::string& id = request.params.at(0);
  if (!blog::IsUuid(id)) throw blog::NotFoundError("post " + id + " not found");
  return id;
}

HttpResponse Created(const char* key, const std::string& value) {
  blog::JsonWriter w;
  w.StartObject().Key("id").String(kId).Key(key).String(value).EndObject();
  return HttpResponse::Json(201, w.Take());
}

HttpResponse List(const HttpRequest& request) {
  blog::QueryInt(request, "limit", 100, 1, 1000);
  blog::QueryInt(request, "cursor", INT64_MAX, 1, INT64_MAX);
  return HttpResponse::Json(200, "{}");
}

const blog::Router& Routes() {
  static const blog::Router router = [] {
    blog::Router r;
    const auto create = [](const HttpRequest& q) {
      Key(q);
      return Created("title", Field(q, "title", 200));
    };
    r.Add("POST", "/posts", create);
    r.Add("POST", "/posts/create", create);
    r.Add("GET", "/posts", List);
    r.Add("GET", "/posts/{id}", [](const HttpRequest& q) {
      RequireId(q);
      return HttpResponse::Json(200, "{}");
    });
    r.Add("POST", "/posts/{id}/comments", [](const HttpRequest& q) {
      RequireId(q);
      Key(q);
      return Created("content", Field(q, "content", 1000));
    });
    r.Add("GET", "/posts/{id}/comments", [](const HttpRequest& q) {
      RequireId(q);
      return HttpResponse::Json(200, "[]");
    });
    r.Add("GET", "/healthz", [](const HttpRequest&) { return HttpResponse::Json(200, "{}"); });
    r.Add("GET", "/metrics", [](const HttpRequest&) {
      HttpResponse response = HttpResponse::Json(200, blog::Metrics::Global().Render());
      response.content_type = "text/plain; version=0.0.4";
      return response;
    });
    return r;
  }();
  return router;
}

void SplitQuery(std::string_view query, HttpRequest& request) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    request.query[std::string(pair.substr(0, eq))] =
        eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1));
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
}

std::string_view NextLine(std::string_view& rest) {
  const std::size_t end = rest.find('\n');
  const std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return line;
}

void CheckResponse(const HttpRequest& request, const HttpResponse& response) {
  const std::string what = request.method + " " + request.path;
  if (response.status < 200 || response.status > 599) Violation("status out of range", what);
  if (response.status >= 500)
    Violation("server error for a client request", what + " -> " + response.body);
  if (response.status == 405) {
    bool allow = false;
    for (const auto& [name, value] : response.headers) allow = allow || name == "Allow";
    if (!allow) Violation("405 without an Allow header", what);
  }
  if (response.content_type != "application/json") return;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(response.body.data(), response.body.size());
  if (doc.HasParseError()) Violation("response body is not valid UTF-8 JSON", response.body);
  if (response.status < 400) return;
  const bool shaped = doc.IsObject() && doc.HasMember("errors") && doc["errors"].IsArray() &&
                      !doc["errors"].Empty() && doc["errors"][0].IsObject() &&
                      doc["errors"][0].HasMember("message") &&
                      doc["errors"][0]["message"].IsString();
  if (!shaped) Violation("error response without the errors body", response.body);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  blog::log::Init("fuzz", blog::log::Level::kError);  // a line per request would dominate
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const blog::HttpServer server(
      blog::HttpServerOptions{.host = "127.0.0.1",
                              .port = 0,
                              .body_limit = 32 * 1024,
                              .cors_origins = {"http://localhost:3000"}},
      Routes());
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  HttpRequest request;
  request.method = std::string(NextLine(rest));
  request.path = std::string(NextLine(rest));
  SplitQuery(NextLine(rest), request);
  for (std::string_view line = NextLine(rest); !line.empty(); line = NextLine(rest)) {
    const std::size_t colon = line.find(':');
    const std::string name = blog::AsciiLower(line.substr(0, colon));
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers[name] = std::string(value);
  }
  request.body = std::string(rest);
  HttpResponse response;
  auto handle = [&] { response = server.Handle(request); };
  OnSmallStack(handle);
  CheckResponse(request, response);
  return 0;
}
