// The whole blog end to end: real service processes, real nats-server and PostgreSQL.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "blog_system.hpp"

using namespace blog::test;
using namespace std::chrono_literals;

namespace {

std::string CommentId(const HttpResult& created, const std::string& content) {
  const auto list = ParseJson(created.body);
  for (const auto& c : list.GetArray()) {
    if (content == c["content"].GetString()) return c["id"].GetString();
  }
  FAIL("comment not in the 201 list: " << created.body);
  return "";
}

}  // namespace

TEST_CASE("a comment goes from pending to rejected or approved and the query service shows it",
          "[e2e]") {
  BlogSystem blog;
  const auto post = blog.CreatePost("Fruit");
  const auto orange = blog.AddComment(post, "I like oranges");
  REQUIRE(orange.status == 201);
  const auto orange_list = ParseJson(orange.body);
  REQUIRE(orange_list.Size() == 1);
  CHECK(std::string(orange_list[0]["status"].GetString()) == "pending");
  const auto apple = blog.AddComment(post, "I like apples");
  REQUIRE(apple.status == 201);
  CHECK(ParseJson(apple.body).Size() == 2);  // the post's whole list

  const auto orange_id = CommentId(orange, "I like oranges");
  const auto apple_id = CommentId(apple, "I like apples");
  REQUIRE(Eventually([&] { return blog.QueryStatus(post, orange_id) == "rejected"; }));
  REQUIRE(Eventually([&] { return blog.QueryStatus(post, apple_id) == "approved"; }));

  const auto posts = blog.QueryPosts();
  REQUIRE(posts.HasMember(post.c_str()));
  CHECK(std::string(posts[post.c_str()]["title"].GetString()) == "Fruit");
  CHECK(posts[post.c_str()]["comments"].Size() == 2);

  // Unchanged answers revalidate with 304 and no body.
  const auto first = Http(blog.Port("query"), "GET", "/posts");
  REQUIRE(first.headers.count("etag") == 1);
  const auto again = Http(blog.Port("query"), "GET", "/posts", "", "",
                          {{"If-None-Match", first.headers.at("etag")}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());

  const auto comments = Http(blog.Port("comments"), "GET", "/posts/" + post + "/comments");
  REQUIRE(comments.status == 200);
  CHECK(comments.body.find("\"rejected\"") != std::string::npos);
  CHECK(comments.body.find("\"approved\"") != std::string::npos);
}

TEST_CASE("a client that prefers return=minimal gets the new comment alone", "[e2e]") {
  BlogSystem blog;
  const auto post = blog.CreatePost("Busy");
  REQUIRE(blog.AddComment(post, "first").status == 201);
  const std::string path = "/posts/" + post + "/comments";
  const auto minimal = Http(blog.Port("comments"), "POST", path, R"({"content":"second"})",
                            "application/json", {{"Prefer", "respond-async, RETURN=\"minimal\""}});
  REQUIRE(minimal.status == 201);
  CHECK(minimal.headers.count("preference-applied") == 1);
  CHECK(minimal.headers.at("preference-applied") == "return=minimal");
  const auto alone = ParseJson(minimal.body);
  REQUIRE(alone.IsObject());
  CHECK(std::string(alone["content"].GetString()) == "second");
  CHECK(std::string(alone["status"].GetString()) == "pending");
  const std::string id = alone["id"].GetString();
  // Without the preference (or with another one), the course's answer: the whole list.
  const auto whole = Http(blog.Port("comments"), "POST", path, R"({"content":"third"})",
                          "application/json", {{"Prefer", "return=representation"}});
  REQUIRE(whole.status == 201);
  CHECK(whole.headers.count("preference-applied") == 0);
  const auto list = ParseJson(whole.body);
  REQUIRE(list.IsArray());
  CHECK(list.Size() == 3);
  CHECK(CommentId(whole, "second") == id);
  REQUIRE(Eventually([&] { return blog.QueryStatus(post, id) == "approved"; }));
}

TEST_CASE("creating a post and commenting on it at once succeeds", "[e2e]") {
  BlogSystem blog;
  for (int i = 0; i < 20; ++i) {
    const auto post = blog.CreatePost("Quick " + std::to_string(i));
    const auto r = blog.AddComment(post, "first!");
    INFO(r.body);
    CHECK(r.status == 201);
  }
}

TEST_CASE("query keeps serving while posts, comments and moderation are down", "[e2e]") {
  BlogSystem blog;
  const auto post = blog.CreatePost("Survivor");
  const auto c = blog.AddComment(post, "still here");
  REQUIRE(c.status == 201);
  const auto id = CommentId(c, "still here");
  REQUIRE(Eventually([&] { return blog.QueryStatus(post, id) == "approved"; }));
  const auto before = Http(blog.Port("query"), "GET", "/posts");

  for (const auto* s : {"posts", "comments", "moderation"}) CHECK(blog.Stop(s, SIGKILL) == -1);
  const auto during = Http(blog.Port("query"), "GET", "/posts");
  CHECK(during.status == 200);
  CHECK(during.body == before.body);
  CHECK(Http(blog.Port("query"), "GET", "/posts/" + post).status == 200);

  for (const auto* s : {"posts", "comments", "moderation"}) blog.Start(s);
  for (const auto* s : {"posts", "comments", "moderation"}) REQUIRE(blog.WaitReady(s));
  const auto post2 = blog.CreatePost("After the outage");
  const auto c2 = blog.AddComment(post2, "orange again");
  REQUIRE(c2.status == 201);
  const auto id2 = CommentId(c2, "orange again");
  CHECK(Eventually([&] { return blog.QueryStatus(post2, id2) == "rejected"; }));
}

TEST_CASE("comments stay pending while moderation is down and are resolved when it returns",
          "[e2e]") {
  BlogSystem blog;
  const auto post = blog.CreatePost("Waiting");
  REQUIRE(blog.Stop("moderation", SIGTERM) == 0);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    const std::string content =
        i % 2 == 0 ? "orange " + std::to_string(i) : "apple " + std::to_string(i);
    const auto r = blog.AddComment(post, content);
    REQUIRE(r.status == 201);
    ids.push_back(CommentId(r, content));
  }
  REQUIRE(Eventually([&] { return blog.QueryStatus(post, ids.back()) == "pending"; }));
  std::this_thread::sleep_for(700ms);
  for (const auto& id : ids) CHECK(blog.QueryStatus(post, id) == "pending");

  blog.Start("moderation");
  REQUIRE(blog.WaitReady("moderation"));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::string want = i % 2 == 0 ? "rejected" : "approved";
    CHECK(Eventually([&] { return blog.QueryStatus(post, ids[i]) == want; }));
  }
}

TEST_CASE(
    "a query service on an empty database rebuilds the view, and so does the rebuild "
    "command",
    "[e2e]") {
  BlogSystem blog;
  std::vector<std::pair<std::string, std::string>> comments;
  for (int i = 0; i < 5; ++i) {
    const auto post = blog.CreatePost("Post " + std::to_string(i));
    for (int j = 0; j < 3; ++j) {
      const std::string content = (j == 0 ? "orange " : "text ") + std::to_string(j);
      const auto r = blog.AddComment(post, content);
      REQUIRE(r.status == 201);
      comments.emplace_back(post, CommentId(r, content));
    }
  }
  REQUIRE(Eventually([&] {
    return std::all_of(comments.begin(), comments.end(), [&](const auto& pc) {
      const auto s = blog.QueryStatus(pc.first, pc.second);
      return s == "approved" || s == "rejected";
    });
  }));
  const auto view = Http(blog.Port("query"), "GET", "/posts").body;

  REQUIRE(blog.Stop("query", SIGTERM) == 0);
  blog.ReplaceDatabase("query");
  blog.Start("query");
  REQUIRE(blog.WaitReady("query"));
  CHECK(Eventually([&] { return Http(blog.Port("query"), "GET", "/posts").body == view; }));

  std::string output;
  REQUIRE(blog.RunTool("query", {"rebuild"}, &output) == 0);
  INFO(output);
  CHECK(output.find("rebuild: done") != std::string::npos);
  CHECK(Http(blog.Port("query"), "GET", "/posts").body == view);
}

TEST_CASE("each query replica's cached answers follow changes that another replica applied",
          "[e2e]") {
  BlogSystem blog({"query-2"});
  const std::vector<std::string> replicas = {"query", "query-2"};
  const auto cache_hits = [&](const std::string& replica) {
    const std::string metrics = Http(blog.Port(replica), "GET", "/metrics").body;
    const std::string name = "\nblog_query_cache_hits_total ";
    const auto at = metrics.find(name);
    return at == std::string::npos ? 0.0 : std::stod(metrics.substr(at + name.size()));
  };
  const auto post = blog.CreatePost("Cached on two replicas");
  const std::string path = "/posts/" + post;
  // Each replica reads the post (no comments yet) until it answers from its cache.
  for (const auto& replica : replicas) {
    INFO(replica);
    CHECK(Eventually([&] {
      Http(blog.Port(replica), "GET", path);
      Http(blog.Port(replica), "GET", "/posts");
      return Http(blog.Port(replica), "GET", path).status == 200 && cache_hits(replica) >= 2;
    }));
  }
  // The replicas share the durable consumers: each event is applied by one of them.
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    const std::string content = (i % 2 == 0 ? "orange " : "apple ") + std::to_string(i);
    const auto r = blog.AddComment(post, content);
    REQUIRE(r.status == 201);
    ids.push_back(CommentId(r, content));
  }
  // Every comment in its final status, in the post as GET `url` shows it.
  const auto all_final_on = [&](const std::string& replica, const std::string& url) {
    const auto r = Http(blog.Port(replica), "GET", url);
    if (r.status != 200) return false;
    const auto doc = ParseJson(r.body);
    const auto& shown = url == path ? doc : doc[post.c_str()];
    if (shown["comments"].Size() != ids.size()) return false;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const auto& c = shown["comments"][static_cast<rapidjson::SizeType>(i)];
      const char* want = i % 2 == 0 ? "rejected" : "approved";
      if (ids[i] != c["id"].GetString() || std::string(want) != c["status"].GetString()) {
        return false;
      }
    }
    return true;
  };
  for (const auto& replica : replicas) {
    INFO(replica);
    CHECK(Eventually([&] { return all_final_on(replica, path) && all_final_on(replica, "/posts"); }));
  }
  CHECK(Http(blog.Port("query"), "GET", "/posts").body ==
        Http(blog.Port("query-2"), "GET", "/posts").body);
}

TEST_CASE("a change to one post leaves the other posts' cached answers in place and evicts the "
          "listing pages it is on",
          "[e2e]") {
  BlogSystem blog;
  const int query = blog.Port("query");
  const auto counter = [&](const std::string& name) {
    const std::string metrics = Http(query, "GET", "/metrics").body;
    const auto at = metrics.find("\n" + name + " ");
    return at == std::string::npos ? -1.0 : std::stod(metrics.substr(at + name.size() + 2));
  };
  // Reads `path` once; true when the cache answered it (a hit, no database read).
  const auto answered_from_cache = [&](const std::string& path) {
    const double hits = counter("blog_query_cache_hits_total");
    const double misses = counter("blog_query_cache_misses_total");
    const auto r = Http(query, "GET", path);
    return r.status == 200 && counter("blog_query_cache_hits_total") == hits + 1 &&
           counter("blog_query_cache_misses_total") == misses;
  };
  const auto a = blog.CreatePost("A, commented on");
  const auto b = blog.CreatePost("B, left alone");
  const std::vector<std::string> paths = {"/posts/" + a, "/posts/" + b, "/posts"};
  for (const auto& path : paths) {
    INFO(path);
    REQUIRE(Eventually([&] {
      Http(query, "GET", path);
      return answered_from_cache(path);
    }));
  }

  // A comment on A: A's answer and the first page change, B's answer stays cached.
  const auto added = blog.AddComment(a, "I like apples");
  REQUIRE(added.status == 201);
  const auto comment = CommentId(added, "I like apples");
  CHECK(Eventually([&] { return blog.QueryStatus(a, comment) == "approved"; }));
  CHECK(Eventually([&] {
    const auto page = ParseJson(Http(query, "GET", "/posts").body);
    return page.HasMember(a.c_str()) && page[a.c_str()]["comments"].Size() == 1 &&
           std::string(page[a.c_str()]["comments"][0]["status"].GetString()) == "approved";
  }));
  CHECK(answered_from_cache("/posts/" + b));

  // A new post: the first page shows it, B's answer stays cached.
  const auto c = blog.CreatePost("C, the newest");
  CHECK(Eventually([&] { return ParseJson(Http(query, "GET", "/posts").body).HasMember(c.c_str()); }));
  CHECK(answered_from_cache("/posts/" + b));
  CHECK(counter("blog_query_cache_evictions_total") > 0);
}

TEST_CASE("an answer read while a commit lands is never served after the commit shows",
          "[e2e]") {
  BlogSystem blog;
  const int query = blog.Port("query");
  const auto post = blog.CreatePost("Read while it changes");
  const std::string path = "/posts/" + post;
  // Comments in their final status as GET `url` shows the post (-1: not shown).
  const auto final_shown = [&](const std::string& url) {
    const auto r = Http(query, "GET", url);
    if (r.status != 200) return -1;
    const auto doc = ParseJson(r.body);
    if (url != path && !doc.HasMember(post.c_str())) return -1;
    const auto& shown = url == path ? doc : doc[post.c_str()];
    int n = 0;
    for (const auto& c : shown["comments"].GetArray()) {
      n += std::string(c["status"].GetString()) != "pending" ? 1 : 0;
    }
    return n;
  };
  REQUIRE(Eventually([&] { return final_shown(path) == 0 && final_shown("/posts") == 0; }));

  // Readers keep reads of both answers under way while each commit lands, so that some begin
  // before a commit and end after it: the cache must not keep what they read.
  struct Readers {
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    ~Readers() {
      stop = true;
      for (auto& t : threads) t.join();
    }
  } readers;
  for (int i = 0; i < 4; ++i) {
    readers.threads.emplace_back([&, i] {
      while (!readers.stop) Http(query, "GET", i % 2 == 0 ? path : "/posts?limit=10");
    });
  }
  for (int n = 1; n <= 5; ++n) {
    const std::string content = (n % 2 == 0 ? "orange " : "apple ") + std::to_string(n);
    INFO(content);
    REQUIRE(blog.AddComment(post, content).status == 201);
    CHECK(Eventually([&] { return final_shown(path) == n && final_shown("/posts?limit=10") == n; }));
    // Nothing changes after the final status: every later read shows it, cached or not.
    for (int i = 0; i < 20; ++i) {
      CHECK(final_shown(path) == n);
      CHECK(final_shown("/posts?limit=10") == n);
    }
  }
}

TEST_CASE("bad input gets the documented 4xx and stores nothing", "[e2e]") {
  BlogSystem blog;
  const auto post = blog.CreatePost("Target");
  const int posts = blog.Port("posts");
  const int comments = blog.Port("comments");
  const std::string long_title(201, 't');
  const std::string long_content(1001, 'c');
  const std::string unknown = "00000000-0000-4000-8000-000000000000";
  struct Case {
    int port;
    std::string method, path, body, content_type;
    int status;
    std::string field;
  };
  const std::vector<Case> cases = {
      {posts, "POST", "/posts/create", "{\"title\":", "application/json", 400, ""},
      {posts, "POST", "/posts/create", "[\"title\"]", "application/json", 400, ""},
      {posts, "POST", "/posts/create", R"({"title":42})", "application/json", 400, "title"},
      {posts, "POST", "/posts/create", R"({"name":"x"})", "application/json", 400, "title"},
      {posts, "POST", "/posts/create", R"({"title":""})", "application/json", 400, "title"},
      {posts, "POST", "/posts/create", R"({"title":"   "})", "application/json", 400, "title"},
      {posts, "POST", "/posts/create", R"({"title":")" + long_title + R"("})", "application/json",
       400, "title"},
      {posts, "POST", "/posts", R"({"title":"x"})", "text/plain", 415, "content-type"},
      {posts, "POST", "/posts", R"({"title":"x"})", "", 415, "content-type"},
      {posts, "POST", "/posts", R"({"title":")" + std::string(2 << 20, 'x') + R"("})",
       "application/json", 413, ""},
      {posts, "DELETE", "/posts", "", "", 405, ""},
      {posts, "GET", "/posts/" + unknown, "", "", 404, ""},
      {posts, "GET", "/posts/not-a-uuid", "", "", 404, ""},
      {posts, "GET", "/nowhere", "", "", 404, ""},
      {posts, "GET", "/posts?limit=0", "", "", 400, "limit"},
      {comments, "POST", "/posts/" + post + "/comments", R"({"content":null})", "application/json",
       400, "content"},
      {comments, "POST", "/posts/" + post + "/comments", R"({"content":["a"]})", "application/json",
       400, "content"},
      {comments, "POST", "/posts/" + post + "/comments", R"({"content":""})", "application/json",
       400, "content"},
      {comments, "POST", "/posts/" + post + "/comments", R"({"content":")" + long_content + R"("})",
       "application/json", 400, "content"},
      {comments, "POST", "/posts/" + post + "/comments", "{\"content\":\"\xff\"}",
       "application/json", 400, ""},
      {comments, "POST", "/posts/" + post + "/comments", "content=x",
       "application/x-www-form-urlencoded", 415, "content-type"},
      {comments, "POST", "/posts/" + unknown + "/comments", R"({"content":"x"})",
       "application/json", 404, ""},
      {comments, "GET", "/posts/" + unknown + "/comments", "", "", 404, ""},
      {comments, "PUT", "/posts/" + post + "/comments", R"({"content":"x"})", "application/json",
       405, ""},
      {blog.Port("query"), "POST", "/posts", R"({"title":"x"})", "application/json", 405, ""},
      {blog.Port("query"), "GET", "/posts/" + unknown, "", "", 404, ""},
      {blog.Port("query"), "GET", "/posts?cursor=abc", "", "", 400, "cursor"},
  };
  for (const auto& c : cases) {
    const auto r = Http(c.port, c.method, c.path, c.body, c.content_type);
    INFO(c.method << " " << c.path.substr(0, 80) << " " << c.body.substr(0, 60) << " -> "
                  << r.status << " " << r.body.substr(0, 200));
    CHECK(r.status == c.status);
    const auto doc = ParseJson(r.body);
    REQUIRE(doc.HasMember("errors"));
    REQUIRE(doc["errors"].Size() == 1);
    CHECK(doc["errors"][0]["message"].GetStringLength() > 0);
    if (!c.field.empty()) CHECK(std::string(doc["errors"][0]["field"].GetString()) == c.field);
  }
  // Nothing was stored: one post, no comments, and the services still work.
  CHECK(ParseJson(Http(posts, "GET", "/posts").body).MemberCount() == 1);
  CHECK(Http(comments, "GET", "/posts/" + post + "/comments").body == "[]");
  CHECK(blog.AddComment(post, "fine").status == 201);
}

TEST_CASE("SIGTERM fails readiness first, drains and exits 0", "[e2e]") {
  BlogSystem blog;
  REQUIRE(blog.Stop("posts", SIGTERM) == 0);
  blog.Start("posts", {{"SHUTDOWN_DELAY_MS", "1500"}});
  REQUIRE(blog.WaitReady("posts"));
  const auto post = blog.CreatePost("before shutdown");
  CHECK(!post.empty());
  // Signal without waiting, then watch readiness fail while the process is still draining.
  int exit_status = -2;
  std::thread stopper([&] { exit_status = blog.Stop("posts", SIGTERM); });
  CHECK(Eventually([&] { return Http(blog.Port("posts"), "GET", "/readyz").status == 503; }, 1s));
  stopper.join();
  CHECK(exit_status == 0);
  CHECK(blog.Logs("posts").find("shutdown complete") != std::string::npos);
}

TEST_CASE("a comment's final status reaches the query service quickly", "[e2e][latency]") {
  BlogSystem blog;
  const auto post = blog.CreatePost("Latency");
  std::vector<double> samples;
  for (int i = 0; i < 100; ++i) {
    const std::string content = (i % 3 == 0 ? "orange " : "kiwi ") + std::to_string(i);
    const auto started = std::chrono::steady_clock::now();
    const auto r = blog.AddComment(post, content);
    REQUIRE(r.status == 201);
    const auto id = CommentId(r, content);
    const std::string want = i % 3 == 0 ? "rejected" : "approved";
    // Poll tightly (about every millisecond) so that the figure measures the pipeline.
    const auto deadline = started + 10s;
    while (blog.QueryStatus(post, id) != want && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    REQUIRE(blog.QueryStatus(post, id) == want);
    samples.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count());
  }
  std::sort(samples.begin(), samples.end());
  std::cout << "comment 201 -> final status in query: median " << samples[50] << " ms, p90 "
            << samples[90] << " ms, max " << samples.back() << " ms (100 samples, 1 ms poll)\n";
  CHECK(samples.size() == 100);
}
