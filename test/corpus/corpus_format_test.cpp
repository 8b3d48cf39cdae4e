// The corpus format and the verdicts, without servers: a typo in a case file or a verdict that
// lets a wrong answer through would make the end-to-end run meaningless.
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "corpus_case.hpp"
#include "raw_exchange.hpp"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace blog::test::corpus {
namespace {

const std::string kPost = "11111111-2222-4333-8444-555555555555";

Exchange Answer(int status, std::string body, std::string content_type = "application/json") {
  Exchange ex;
  ex.connected = ex.answered = true;
  ex.status = status;
  ex.headers["content-type"] = std::move(content_type);
  ex.body = std::move(body);
  return ex;
}

Expectation Expect(const std::string& words) {
  return ParseCase("t", "# t\n@services posts\n@expect " + words + "\nGET / HTTP/1.1").expect;
}

const std::string kErrorBody = R"({"errors":[{"message":"bad"}]})";

}  // namespace

TEST_CASE("every corpus file parses, names its services and expectation, and is unique",
          "[corpus-format]") {
  const auto corpus = LoadCorpus(BLOG_CORPUS_DIR);
  CHECK(corpus.size() >= 200);
  std::set<std::string> requests;
  for (const auto& c : corpus) {
    INFO(c.name);
    CHECK_FALSE(c.services.empty());
    CHECK(!c.expect.statuses.empty() + c.expect.any_4xx + c.expect.close > 0);
    // Two cases sending the same bytes to the same services would test one thing twice.
    std::string key = c.Render(kPost);
    for (const auto& s : c.services) key += "|" + s;
    CHECK(requests.insert(key).second);
  }
}

TEST_CASE("macros expand to the bytes they name", "[corpus-format]") {
  CHECK(ExpandMacros("a$(crlf)b$(cr)$(lf)$(tab)$(sp)$(nul)", kPost) ==
        std::string("a\r\nb\r\n\t \0", 9));
  CHECK(ExpandMacros("$(hex 00 ff 7F)$(hex c0af)", kPost) == std::string("\0\xff\x7f\xc0\xaf", 5));
  CHECK(ExpandMacros("$(repeat 3 [)$(repeat 2 k$(i),)", kPost) == "[[[k0,k1,");
  CHECK(ExpandMacros("$(repeat 2 $(repeat 2 $(i)))", kPost) == "0101");
  CHECK(ExpandMacros("/posts/$(post)/x", kPost) == "/posts/" + kPost + "/x");
  CHECK(ExpandMacros("$(len) $(len+5) $(len-1)", kPost, 10) == "10 15 9");
  CHECK(ExpandMacros("pg_sleep(10)", kPost) == "pg_sleep(10)");
  CHECK_THROWS_WITH(ExpandMacros("$(nope)", kPost), Catch::Contains("unknown macro $(nope)"));
  CHECK_THROWS_WITH(ExpandMacros("$(crlf", kPost), Catch::Contains("unclosed"));
  CHECK_THROWS_WITH(ExpandMacros("$(len)", kPost), Catch::Contains("outside a request head"));
  CHECK_THROWS_WITH(ExpandMacros("$(i)", kPost), Catch::Contains("outside $(repeat)"));
}

TEST_CASE("a case ends its head lines in CRLF and gives $(len) the body's length",
          "[corpus-format]") {
  const auto c = ParseCase("json/x",
                           "# title here\n@services all\n@expect 400 close\n"
                           "POST /p HTTP/1.1\nContent-Length: $(len)\n\n{\"t\":\"$(hex e9)\"}\n");
  CHECK(c.title == "title here");
  CHECK(c.services == std::vector<std::string>{"posts", "comments", "query", "moderation"});
  CHECK(c.expect.statuses == std::set<int>{400});
  CHECK(c.expect.close);
  CHECK(c.Render(kPost) == "POST /p HTTP/1.1\r\nContent-Length: 9\r\n\r\n{\"t\":\"\xe9\"}");

  const auto raw =
      ParseCase("framing/x", "# raw\n@services posts\n@expect close\n@raw\nGET /\n$(lf)\n");
  CHECK(raw.Render(kPost) == "GET /\n");
}

TEST_CASE("a malformed case file is reported with its name and line", "[corpus-format]") {
  CHECK_THROWS_WITH(ParseCase("a/b", "# t\n@services blog\n@expect 400\nGET /"),
                    Catch::Contains("a/b.req line 2") && Catch::Contains("unknown service"));
  CHECK_THROWS_WITH(ParseCase("a/b", "# t\n@services posts\n@expect 200\nGET /"),
                    Catch::Contains("not a 4xx/5xx"));
  CHECK_THROWS_WITH(ParseCase("a/b", "# t\n@services posts\nGET /"),
                    Catch::Contains("@expect required"));
  CHECK_THROWS_WITH(ParseCase("a/b", "# t\n@services posts\n@expect 400\n@bogus\nGET /"),
                    Catch::Contains("unknown directive"));
}

TEST_CASE("the verdict accepts only the listed refusals with the error body", "[corpus-format]") {
  CHECK(Verdict(Expect("400"), Answer(400, kErrorBody)).empty());
  CHECK(Verdict(Expect("4xx"), Answer(404, kErrorBody)).empty());
  CHECK(Verdict(Expect("400"), Answer(404, kErrorBody)) == "answered 404");
  CHECK(Verdict(Expect("4xx"), Answer(201, "{}")) == "answered 201");
  CHECK(Verdict(Expect("4xx"), Answer(500, kErrorBody)) == "answered 500");
  CHECK(Verdict(Expect("4xx 505"), Answer(505, "")).empty());
  CHECK_THAT(Verdict(Expect("400"), Answer(400, "Bad Request", "text/plain")),
             Catch::Contains("not application/json"));
  CHECK_THAT(Verdict(Expect("400"), Answer(400, R"({"errors":[]})")),
             Catch::Contains("non-empty \"errors\""));
  CHECK_THAT(Verdict(Expect("400"), Answer(400, "{\"errors\":[{\"message\":\"\xff\"}]}")),
             Catch::Contains("not valid UTF-8 JSON"));
}

TEST_CASE("the verdict lets malformed framing be refused by closing, never by hanging",
          "[corpus-format]") {
  Exchange closed;
  closed.connected = closed.closed = true;
  CHECK(Verdict(Expect("close"), closed).empty());
  CHECK(Verdict(Expect("400"), closed) == "connection closed without an answer");

  CHECK(Verdict(Expect("400 close"), Answer(400, "", "text/plain")).empty());      // framing layer
  CHECK(Verdict(Expect("400 close"), Answer(404, kErrorBody)) == "answered 404");  // routed anyway
  CHECK(Verdict(Expect("close"), Answer(200, "{}")) == "answered 200");

  Exchange hanging;
  hanging.connected = true;
  hanging.elapsed = std::chrono::seconds(35);
  CHECK(Verdict(Expect("close"), hanging) ==
        "connection still open, without an answer, after 35 s");
  Exchange refused;
  CHECK_THAT(Verdict(Expect("4xx"), refused), Catch::Contains("connection refused"));
}

TEST_CASE("a raw exchange reads an answer sent before the request was complete",
          "[corpus-format]") {
  // A server that refuses after reading a few bytes and then closes, as a 413 should.
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(listen(listener, 1) == 0);
  socklen_t len = sizeof(addr);
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread server([listener] {
    const int fd = accept(listener, nullptr, nullptr);
    char head[64];
    recv(fd, head, sizeof(head), 0);
    const std::string answer =
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 413 Payload Too Large\r\nContent-Length: "
        "2\r\n\r\n{}";
    send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
    close(fd);
  });
  const auto ex =
      RawExchange(ntohs(addr.sin_port), std::string(8 << 20, 'x'), std::chrono::seconds(5));
  server.join();
  close(listener);
  CHECK(ex.connected);
  CHECK(ex.answered);
  CHECK(ex.status == 413);
  CHECK(ex.body == "{}");

  const auto refused = RawExchange(1, "GET / HTTP/1.1\r\n\r\n", std::chrono::milliseconds(500));
  CHECK_FALSE(refused.connected);
}

}  // namespace blog::test::corpus
