// blogctl top as a person sees it: running in a terminal (tmux), redrawn every second.
#include <cstdio>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

#include "monitoring_support.hpp"

using blog::test::BlogSystem;
using blog::test::Eventually;
using blog::test::Shell;

namespace {

// A tmux server of the test's own (its own socket), killed at the end.
class Terminal {
 public:
  explicit Terminal(const std::string& command)
      : socket_("blog-top-" + blog::NewUuid().substr(0, 8)) {
    REQUIRE(Shell("tmux -L " + socket_ + " new-session -d -x 120 -y 40 '" + command + "'") == 0);
  }
  ~Terminal() { Shell("tmux -L " + socket_ + " kill-server 2>/dev/null"); }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;
  Terminal(Terminal&&) = delete;
  Terminal& operator=(Terminal&&) = delete;

  // What the pane shows now.
  std::string Screen() const {
    const std::string file = "/tmp/" + socket_ + ".txt";
    Shell("tmux -L " + socket_ + " capture-pane -p > " + file);
    auto screen = blog::test::ReadFile(file);
    std::remove(file.c_str());
    return screen;
  }

 private:
  std::string socket_;
};

// The words of the screen's line that starts with `first`, empty when there is none.
std::vector<std::string> Row(const std::string& screen, const std::string& first) {
  std::istringstream lines(screen);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> row;
    for (std::string w; words >> w;) row.push_back(w);
    if (!row.empty() && row[0] == first) return row;
  }
  return {};
}

}  // namespace

TEST_CASE("blogctl top shows every service and consumer and a backlog while moderation is down",
          "[e2e][top]") {
  BlogSystem blog;
  blog::test::TestDir dir;
  REQUIRE(blog::test::WriteTargets(blog, dir.path) == 0);
  const std::string blogctl = blog::test::RequireEnv("BLOG_BIN_DIR") + "/tools/blogctl";
  Terminal terminal("env NATS_URL=" + blog.nats().url() +
                    " NATS_USER=admin NATS_PASSWORD=" + blog.nats().Password("admin") + " " +
                    blogctl + " top --targets " + (dir.path / "monitoring/targets.json").string());

  std::string screen;
  const auto shows = [&](const std::string& first, const std::vector<std::string>& want) {
    return Eventually(
        [&] {
          screen = terminal.Screen();
          const auto row = Row(screen, first);
          if (row.size() < want.size() + 1) return false;
          for (std::size_t i = 0; i < want.size(); ++i) {
            if (!want[i].empty() && row[i + 1] != want[i]) return false;
          }
          return true;
        },
        std::chrono::seconds(20));
  };
  // The title, both tables' headers, every service up with its outbox empty, and every
  // consumer of the catalog with nothing pending (once a second refresh has given rates).
  REQUIRE(shows("SERVICE", {"UP", "HTTP/s", "5XX/s", "PUBLISHED/s", "OUTBOX", "OUTBOX", "AGE"}));
  INFO("screen:\n" << screen);
  CHECK(screen.find("blogctl top") != std::string::npos);
  for (const auto& s : blog::test::kServices) {
    CHECK(shows(s, {"1/1", "0.0", "0.0", "0.0", "0", "0s"}));
  }
  CHECK(shows("CONSUMER",
              {"ACKED/s", "PENDING", "ACK", "PENDING", "REDELIVERED", "DEAD", "LETTERS"}));
  for (const auto* c :
       {"comments-CommentModerated", "comments-PostCreated", "moderation-CommentCreated",
        "query-CommentCreated", "query-CommentUpdated", "query-PostCreated"}) {
    CHECK(shows(c, {"0.0", "0", "0", "0", "0"}));
  }

  // Moderation stops: its consumer's backlog grows on screen, and the row says why.
  REQUIRE(blog.Stop("moderation") == 0);
  const auto post = blog.CreatePost("Watched");
  for (int i = 0; i < 3; ++i)
    REQUIRE(blog.AddComment(post, "comment " + std::to_string(i)).status == 201);
  CHECK(shows("moderation", {"0/1", "-", "-", "-", "-", "-"}));
  CHECK(shows("moderation-CommentCreated", {"", "3", "0", "0", "0", "moderation", "is", "down"}));
  CHECK(shows("query-CommentCreated", {"", "0", "0", "0", "0"}));

  // Back: the backlog drains.
  blog.Start("moderation");
  REQUIRE(blog.WaitReady("moderation"));
  CHECK(shows("moderation-CommentCreated", {"", "0", "0", "0", "0"}));
  CHECK(shows("moderation", {"1/1"}));
  INFO("last screen:\n" << screen);
}
