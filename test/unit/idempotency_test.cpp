#include "common/idempotency.hpp"

#include <catch2/catch.hpp>

using namespace blog;

namespace {

HttpRequest Keyed(const std::string& key) {
  HttpRequest r;
  r.method = "POST";
  r.path = "/posts";
  r.headers["idempotency-key"] = key;
  return r;
}

std::string KeyOf(const std::string& header) { return IdempotencyKeyOf(Keyed(header)).value(); }

}  // namespace

TEST_CASE("an Idempotency-Key is read as a structured-field string or a bare token",
          "[idempotency]") {
  CHECK_FALSE(IdempotencyKeyOf(HttpRequest{}).has_value());
  CHECK(KeyOf(R"("8e03978e-40d5-43e8-bc93-6894a57f9324")") ==
        "8e03978e-40d5-43e8-bc93-6894a57f9324");
  CHECK(KeyOf("8e03978e-40d5-43e8-bc93-6894a57f9324") == "8e03978e-40d5-43e8-bc93-6894a57f9324");
  CHECK(KeyOf(R"( "with space and \"quotes\" and \\" )") == R"(with space and "quotes" and \)");
  CHECK(KeyOf("\t\"tabbed\"\t") == "tabbed");
  CHECK(KeyOf("order:42/retry*") == "order:42/retry*");
  CHECK(KeyOf(std::string(kMaxIdempotencyKeyChars, 'x')) ==
        std::string(kMaxIdempotencyKeyChars, 'x'));
}

TEST_CASE("a malformed Idempotency-Key is a validation error naming the header", "[idempotency]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "must not be empty"},
      {R"("")", "must not be empty"},
      {R"("open)", "no closing quote"},
      {R"("a\b")", "invalid escape"},
      {R"("a\)", "invalid escape"},
      {"\"caf\xc3\xa9\"", "printable ASCII"},
      {"\"tab\there\"", "printable ASCII"},
      {R"("a";v=1)", "without parameters or a list"},
      {R"("a", "b")", "without parameters or a list"},
      {"a, b", "neither a quoted string nor a token"},
      {"two words", "neither a quoted string nor a token"},
      {"(comment)", "neither a quoted string nor a token"},
      {std::string(kMaxIdempotencyKeyChars + 1, 'x'), "longer than 255"},
      {"\"" + std::string(kMaxIdempotencyKeyChars + 1, 'x') + "\"", "longer than 255"},
  };
  for (const auto& [header, why] : cases) {
    INFO("header: " << header);
    try {
      IdempotencyKeyOf(Keyed(header));
      FAIL("accepted");
    } catch (const ValidationError& e) {
      CHECK_THAT(e.what(), Catch::Contains(why));
      CHECK(e.Field() == "idempotency-key");
    }
  }
}

TEST_CASE("a request's fingerprint is the SHA-256 of its method, path and body", "[idempotency]") {
  HttpRequest r;
  r.method = "POST";
  r.path = "/posts";
  r.body = R"({"title":"a"})";
  // sha256("POST\n/posts\n{\"title\":\"a\"}"), computed independently.
  CHECK(RequestFingerprint(r) ==
        "670f63efd4e6291ecba01d21deb73018bf80c35bf6d5d511146dd1da8876ef9b");
  HttpRequest other_path = r;
  other_path.path = "/posts/create";
  HttpRequest other_body = r;
  other_body.body = R"({"title":"b"})";
  HttpRequest other_method = r;
  other_method.method = "PUT";
  HttpRequest other_headers = r;
  other_headers.headers["idempotency-key"] = "k";
  CHECK(RequestFingerprint(other_path) != RequestFingerprint(r));
  CHECK(RequestFingerprint(other_body) != RequestFingerprint(r));
  CHECK(RequestFingerprint(other_method) != RequestFingerprint(r));
  CHECK(RequestFingerprint(other_headers) == RequestFingerprint(r));
}
