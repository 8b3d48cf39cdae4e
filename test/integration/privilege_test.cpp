// Least privilege: each service reaches only its own subjects, consumers and database.
#include <cstdlib>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "common/dead_letter.hpp"
#include "common/events.hpp"
#include "common/nats_client.hpp"

#include "harness.hpp"

using namespace blog;
using namespace std::chrono_literals;

namespace {

NatsSettings As(const test::NatsServer& server, const std::string& user) {
  return NatsSettings{.urls = {server.url()},
                      .user = user,
                      .password = server.Password(user),
                      .stream_replicas = 1,
                      .file_storage = true,
                      .duplicate_window = 2min,
                      .client_name = user};
}

bool CanPublish(NatsClient& nats, std::string_view subject) {
  try {
    nats.Publish(subject, "{}", {{std::string(kMsgIdHeader), std::string(subject) + "-probe"}}, 1s);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

TEST_CASE("each service's NATS user may publish only its own event subjects",
          "[integration][security]") {
  test::NatsServer server(true);
  NatsClient posts(As(server, "posts"));
  REQUIRE(posts.WaitConnected(5s));
  posts.EnsureStreams();
  CHECK(CanPublish(posts, PostCreated::kSubject));
  CHECK_FALSE(CanPublish(posts, CommentCreated::kSubject));

  NatsClient moderation(As(server, "moderation"));
  REQUIRE(moderation.WaitConnected(5s));
  CHECK(CanPublish(moderation, CommentModerated::kSubject));
  CHECK_FALSE(CanPublish(moderation, PostCreated::kSubject));

  NatsClient query(As(server, "query"));
  REQUIRE(query.WaitConnected(5s));
  CHECK_FALSE(CanPublish(query, CommentUpdated::kSubject));
}

TEST_CASE("an anonymous NATS client is refused", "[integration][security]") {
  test::NatsServer server(true);
  NatsSettings anonymous = As(server, "nobody");
  anonymous.user.clear();
  anonymous.password.clear();
  NatsClient client(anonymous);
  CHECK_FALSE(client.WaitConnected(1500ms));
  NatsSettings wrong = As(server, "posts");
  wrong.password = "not-the-password";
  NatsClient impostor(wrong);
  CHECK_FALSE(impostor.WaitConnected(1500ms));
}

TEST_CASE("a service's PostgreSQL role can connect only to its own database",
          "[integration][security]") {
  const std::string port = test::RequireEnv("PG_PORT");
  const auto url = [&](const std::string& role, const std::string& db) {
    return "postgresql://" + role + ":" + role + "-local@127.0.0.1:" + port + "/" + db +
           "?connect_timeout=3";
  };
  CHECK_NOTHROW(pqxx::connection(url("posts", "posts")));
  CHECK_THROWS(pqxx::connection(url("posts", "comments")));
  CHECK_THROWS(pqxx::connection(url("comments", "query")));
  CHECK_THROWS(pqxx::connection(url("query", "posts")));
}
