#include <catch2/catch.hpp>

#include "common/http_server.hpp"
#include "common/json.hpp"
#include "common/router.hpp"

using namespace blog;

namespace {

HttpRequest Request(std::string method, std::string path, std::string body = {},
                    std::string content_type = "application/json") {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  if (!content_type.empty()) r.headers["content-type"] = content_type;
  return r;
}

Router MakeRouter() {
  Router router;
  router.Add("GET", "/posts/{id}/comments", [](const HttpRequest& r) {
    return HttpResponse::Json(200, "\"" + r.params.at(0) + "\"");
  });
  router.Add("POST", "/posts/{id}/comments",
             [](const HttpRequest&) { return HttpResponse::Json(201, "[]"); });
  router.Add("GET", "/boom", [](const HttpRequest&) -> HttpResponse {
    throw UnavailableError("database unavailable");
  });
  router.Add("POST", "/echo", [](const HttpRequest& r) {
    return HttpResponse::Json(200, JsonObject::Parse(r.body).String("title", 1, 5));
  });
  return router;
}

}  // namespace

TEST_CASE("the router passes placeholder values to the handler", "[http]") {
  const Router router = MakeRouter();
  auto request = Request("GET", "/posts/abc/comments");
  std::string pattern;
  const auto response = router.Route(request, pattern);
  CHECK(response.status == 200);
  CHECK(response.body == "\"abc\"");
  CHECK(pattern == "/posts/{id}/comments");
}

TEST_CASE("the router answers 404 for an unknown path and 405 with Allow for a known one",
          "[http]") {
  const Router router = MakeRouter();
  std::string pattern;
  auto unknown = Request("GET", "/nothing/here");
  CHECK(router.Route(unknown, pattern).status == 404);
  auto wrong = Request("DELETE", "/posts/1/comments");
  const auto response = router.Route(wrong, pattern);
  CHECK(response.status == 405);
  REQUIRE(response.headers.size() == 1);
  CHECK(response.headers[0].second == "GET, POST");
}

TEST_CASE("the server maps errors to statuses with the error body", "[http]") {
  const Router router = MakeRouter();
  HttpServer server(HttpServerOptions{.port = 0, .body_limit = 32, .cors_origins = {}}, router);

  auto unavailable = Request("GET", "/boom");
  const auto r503 = server.Handle(unavailable);
  CHECK(r503.status == 503);
  CHECK(r503.body == R"({"errors":[{"message":"service temporarily unavailable, retry later"}]})");

  auto too_large = Request("POST", "/echo", std::string(33, 'x'));
  CHECK(server.Handle(too_large).status == 413);

  auto not_json = Request("POST", "/echo", "title=x", "application/x-www-form-urlencoded");
  const auto r415 = server.Handle(not_json);
  CHECK(r415.status == 415);
  CHECK(r415.body.find("\"field\":\"content-type\"") != std::string::npos);

  auto invalid = Request("POST", "/echo", "{\"title\":");
  CHECK(server.Handle(invalid).status == 400);

  auto long_title = Request("POST", "/echo", R"({"title":"abcdef"})");
  const auto r400 = server.Handle(long_title);
  CHECK(r400.status == 400);
  CHECK(r400.body ==
        R"({"errors":[{"message":"title must have at most 5 characters","field":"title"}]})");
}

TEST_CASE("the server answers CORS preflights only for allowed origins", "[http]") {
  const Router router = MakeRouter();
  HttpServer server(
      HttpServerOptions{.port = 0, .body_limit = 1024, .cors_origins = {"http://localhost:3000"}},
      router);
  auto preflight = Request("OPTIONS", "/posts/1/comments", "", "");
  preflight.headers["origin"] = "http://localhost:3000";
  const auto ok = server.Handle(preflight);
  CHECK(ok.status == 204);
  const auto has = [&](const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return true;
    }
    return false;
  };
  CHECK(has(ok, "Access-Control-Allow-Origin"));

  auto stranger = Request("OPTIONS", "/posts/1/comments", "", "");
  stranger.headers["origin"] = "http://evil.example";
  const auto refused = server.Handle(stranger);
  CHECK(refused.status == 405);
  CHECK_FALSE(has(refused, "Access-Control-Allow-Origin"));
}

TEST_CASE("json strings are trimmed, counted in characters and refused with their field",
          "[json]") {
  const auto body = JsonObject::Parse(R"({"t":"  héllo  ","n":5,"z":"a\u0000b","e":""})");
  CHECK(body.String("t", 1, 5) == "héllo");
  CHECK_THROWS_WITH(body.String("t", 1, 4), "t must have at most 4 characters");
  CHECK_THROWS_WITH(body.String("n", 1, 5), "n must be a string");
  CHECK_THROWS_WITH(body.String("missing", 1, 5), "missing is required");
  CHECK_THROWS_WITH(body.String("z", 1, 5), "z must not contain NUL characters");
  CHECK_THROWS_WITH(body.String("e", 1, 5), "e must not be empty");
  CHECK_THROWS_AS(JsonObject::Parse("[]"), ValidationError);
  CHECK_THROWS_AS(JsonObject::Parse("{\"t\":\"\xff\"}"), ValidationError);
}

TEST_CASE("json strings whose escapes decode to a lone surrogate are refused", "[json]") {
  const auto body = JsonObject::Parse(R"({"low":"a\udc00","pair":"\ud83d\ude00"})");
  CHECK_THROWS_WITH(body.String("low", 1, 5), "low must be valid UTF-8 (no lone surrogates)");
  CHECK_THROWS_AS(JsonObject::Parse(R"({"high":"\ud800x"})"), ValidationError);
  CHECK(body.String("pair", 1, 5) == "\xF0\x9F\x98\x80");
}

TEST_CASE("utf-8 is checked by RFC 3629 and repaired with U+FFFD for echoing", "[json]") {
  CHECK(IsValidUtf8("plain, h\xC3\xA9, \xE2\x82\xAC, \xF4\x8F\xBF\xBF"));
  CHECK_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));      // encoded surrogate
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
  CHECK(ToValidUtf8("a\xFF" "b\xC3\xA9") == "a\xEF\xBF\xBD" "b\xC3\xA9");
}

TEST_CASE("error bodies stay valid UTF-8 when they quote client bytes", "[http]") {
  const Router router = MakeRouter();
  HttpServer server(HttpServerOptions{.port = 0, .body_limit = 32, .cors_origins = {}}, router);
  auto unknown = Request("GET", "/x\xFF\xC0");
  const auto r404 = server.Handle(unknown);
  CHECK(r404.status == 404);
  CHECK(r404.body ==
        "{\"errors\":[{\"message\":\"no route for GET /x\xEF\xBF\xBD\xEF\xBF\xBD\"}]}");
  CHECK(IsValidUtf8(r404.body));
}

TEST_CASE("query integers are validated with the parameter named", "[http]") {
  HttpRequest r;
  r.query["limit"] = "10x";
  try {
    QueryInt(r, "limit", 100, 1, 1000);
    FAIL("accepted 10x");
  } catch (const ValidationError& e) {
    CHECK(e.Field() == "limit");
  }
  r.query["limit"] = "1000";
  CHECK(QueryInt(r, "limit", 100, 1, 1000) == 1000);
  CHECK(QueryInt(r, "cursor", 7, 1, 9) == 7);
}

TEST_CASE("json bodies nested too deep or with too many fields are refused before parsing",
          "[json]") {
  CHECK_THROWS_WITH(JsonObject::Parse(std::string(10000, '[')), Catch::Contains("nested deeper"));
  CHECK_THROWS_WITH(
      JsonObject::Parse("{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}"),
      Catch::Contains("nested deeper"));
  std::string wide = "{";
  for (int i = 0; i < 300; ++i) wide += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  wide += "}";
  CHECK_THROWS_WITH(JsonObject::Parse(wide), Catch::Contains("more than 256 fields"));
  // Brackets and colons inside strings do not count.
  CHECK(JsonObject::Parse(R"({"title":"[[[[:::]]]] \" {{"})").String("title", 1, 100) ==
        "[[[[:::]]]] \" {{");
}
