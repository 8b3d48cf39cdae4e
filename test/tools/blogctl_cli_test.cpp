// blogctl's command line: usage errors, help, exit codes, and the catalog-only commands.
#include <cstdlib>

#include <catch2/catch.hpp>

#include "blogctl_run.hpp"

using blog::test::Ctl;

TEST_CASE("blogctl without a command prints the commands and exits 2", "[blogctl]") {
  const auto r = Ctl({});
  CHECK(r.code == 2);
  CHECK(r.err.find("events tail") != std::string::npos);
  CHECK(r.err.find("dlq requeue") != std::string::npos);
}

TEST_CASE("every blogctl command answers --help with its usage and exit code 0", "[blogctl]") {
  const std::vector<std::vector<std::string>> commands = {
      {"events", "tail"}, {"events", "stats"}, {"consumers"},      {"flow"},         {"replay"},
      {"dlq", "list"},    {"dlq", "show"},     {"dlq", "requeue"}, {"dlq", "purge"}, {"schema"},
      {"top"}};
  for (auto words : commands) {
    std::string name;
    for (const auto& w : words) name += (name.empty() ? "" : " ") + w;
    INFO(name);
    words.push_back("--help");
    const auto r = Ctl(words);
    CHECK(r.code == 0);
    CHECK(r.out.rfind("usage: blogctl " + name, 0) == 0);
    CHECK(r.out.find("--json") != std::string::npos);
  }
  CHECK(Ctl({"--help"}).code == 0);
  CHECK(Ctl({"events", "--help"}).out.find("events stats") != std::string::npos);
  CHECK(Ctl({"dlq", "-h"}).code == 0);
}

TEST_CASE("blogctl refuses unknown commands, options and arguments with exit code 2", "[blogctl]") {
  CHECK(Ctl({"frobnicate"}).code == 2);
  CHECK(Ctl({"events"}).code == 2);
  CHECK(Ctl({"dlq", "explode"}).code == 2);
  const auto bad_option = Ctl({"events", "tail", "--bogus"});
  CHECK(bad_option.code == 2);
  CHECK(bad_option.err.find("unknown option --bogus") != std::string::npos);
  CHECK(bad_option.err.find("usage: blogctl events tail") != std::string::npos);
  CHECK(Ctl({"events", "tail", "--limit"}).code == 2);
  CHECK(Ctl({"events", "tail", "--limit", "x"}).code == 2);
  CHECK(Ctl({"flow", "extra"}).code == 2);
  CHECK(Ctl({"dlq", "show"}).code == 2);
  CHECK(Ctl({"flow", "--json=yes"}).code == 2);
}

TEST_CASE("blogctl checks arguments before it connects to NATS", "[blogctl]") {
  blog::test::PointBlogctlAt("nats://127.0.0.1:1");  // nothing listens there
  const auto type = Ctl({"events", "tail", "--type", "PostDeleted"});
  CHECK(type.code == 2);
  CHECK(type.err.find("unknown event type 'PostDeleted' (known: PostCreated, CommentCreated") !=
        std::string::npos);
  CHECK(Ctl({"events", "tail", "--from", "yesterday"}).code == 2);
  CHECK(Ctl({"events", "tail", "--from", "5", "--last", "2"}).code == 2);
  CHECK(Ctl({"replay", "nobody", "--from", "1"}).code == 2);
  const auto posts = Ctl({"replay", "posts", "--from", "1"});
  CHECK(posts.code == 2);
  CHECK(posts.err.find("posts consumes no events") != std::string::npos);
  CHECK(Ctl({"replay", "query"}).code == 2);  // --from is required
  CHECK(Ctl({"replay", "query", "--from", "1", "--type", "CommentModerated"}).code == 2);
  CHECK(Ctl({"dlq", "show", "seven"}).code == 2);
  CHECK(Ctl({"dlq", "requeue", "some"}).code == 2);
  CHECK(Ctl({"dlq", "purge", "3", "--consumer", "query-PostCreated"}).code == 2);
}

TEST_CASE("blogctl exits 1 with a clear message when NATS cannot be reached", "[blogctl]") {
  blog::test::PointBlogctlAt("nats://127.0.0.1:1");
  const auto r = Ctl({"consumers"});
  CHECK(r.code == 1);
  CHECK(r.err.find("cannot reach NATS at nats://127.0.0.1:1") != std::string::npos);
}

TEST_CASE("blogctl flow prints each event with its producer and durable consumers", "[blogctl]") {
  const auto r = Ctl({"flow"});
  REQUIRE(r.code == 0);
  CHECK(r.out.find("CommentCreated    blog.comment.created    comments      moderation "
                   "(moderation-CommentCreated), query (query-CommentCreated)") !=
        std::string::npos);
  CHECK(r.out.find("moderation  --CommentModerated-->  comments") != std::string::npos);

  const auto json = Ctl({"flow", "--json"});
  REQUIRE(json.code == 0);
  const auto doc = blog::test::ParseDoc(json.out);
  REQUIRE(doc.IsObject());
  REQUIRE(doc["events"].Size() == 4);
  const auto& post = doc["events"][0];
  CHECK(std::string(post["type"].GetString()) == "PostCreated");
  CHECK(std::string(post["producers"][0].GetString()) == "posts");
  CHECK(std::string(post["durable_consumers"][1].GetString()) == "query-PostCreated");
}
