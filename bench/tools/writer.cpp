// `blog-bench write --posts-port P --comments-port C --rate R [--threads T] [--ids-out FILE]
//                   [--max-seconds S]`:
// the paced background writer of the mixed item: R writes per second in total, one post per
// three comments, until SIGTERM or SIGINT (or S seconds, 600 by default). Each thread creates a
// post and then comments three times on the post it created one cycle earlier, so that the
// comments service has had a cycle to learn the post (it knows posts from PostCreated events); a
// comment answered 404 because the post has not arrived yet is counted as "early", not as a
// write, and the next comment tries again.
//
// Prints "RESULT write rate=<writes/s> posts=N comments=N failed=N early=N late=<share>" where
// late is the share of writes sent more than one interval behind schedule (the writer, or the
// system, could not keep the pace). Exit status 1 when a write failed (any status but 201, and
// 404 of a comment as above).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "stats.hpp"

namespace bench {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void OnStopSignal(int) { g_stop.store(true); }

struct Counts {
  std::atomic<long> posts{0}, comments{0}, failed{0}, early{0}, ops{0}, late{0};
};

std::string IdOf(const std::string& body) {
  const auto at = body.find("\"id\":\"");
  return at == std::string::npos || body.size() < at + 42 ? "" : body.substr(at + 6, 36);
}

// One writer thread: its share of the rate, open loop (a slow answer does not lower the rate
// asked, but the schedule never runs more than one interval ahead of the clock to catch up).
class WriterThread {
 public:
  WriterThread(int posts_port, int comments_port, double interval_ms, double start_ms,
               Counts& counts, std::vector<std::string>& ids, std::mutex& ids_mutex)
      : posts_("127.0.0.1", posts_port),
        comments_("127.0.0.1", comments_port),
        interval_ms_(interval_ms),
        next_ms_(start_ms),
        counts_(counts),
        ids_(ids),
        ids_mutex_(ids_mutex) {}

  void Run() {
    std::string previous = CreatePost();  // the first cycle's comments go here
    for (long op = 0; !g_stop.load(); ++op) {
      const double wait = next_ms_ - NowMs();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::microseconds(long(wait * 1000)));
      if (g_stop.load()) break;
      ++counts_.ops;
      if (wait < -interval_ms_) ++counts_.late;
      if (op % 4 == 0) {
        const std::string id = CreatePost();
        if (!id.empty()) current_ = id;
      } else {
        Comment(previous, op);
      }
      if (op % 4 == 3 && !current_.empty()) previous = current_;
      next_ms_ = std::max(next_ms_ + interval_ms_, NowMs() - interval_ms_);
    }
  }

 private:
  std::string CreatePost() {
    const auto reply = posts_.Request("POST", "/posts/create", R"({"title":"written while reading"})");
    const std::string id = reply.status == 201 ? IdOf(reply.body) : "";
    if (id.empty()) {
      ++counts_.failed;
      return id;
    }
    ++counts_.posts;
    const std::lock_guard lock(ids_mutex_);
    ids_.push_back(id);
    return id;
  }

  void Comment(const std::string& post_id, long op) {
    if (post_id.empty()) {
      ++counts_.failed;
      return;
    }
    // Half approved, half rejected by moderation: both end in a final status.
    const auto reply = comments_.Request(
        "POST", "/posts/" + post_id + "/comments",
        std::string(R"({"content":"a comment written while people read, )") +
            (op % 2 ? "with apples" : "with oranges") + "\"}");
    if (reply.status == 201) {
      ++counts_.comments;
    } else if (reply.status == 404) {
      ++counts_.early;
    } else {
      ++counts_.failed;
    }
  }

  HttpClient posts_;
  HttpClient comments_;
  const double interval_ms_;
  double next_ms_;
  std::string current_;
  Counts& counts_;
  std::vector<std::string>& ids_;
  std::mutex& ids_mutex_;
};

}  // namespace

int RunWrite(const std::map<std::string, std::string>& args) {
  const int posts_port = std::stoi(args.at("posts-port"));
  const int comments_port = std::stoi(args.at("comments-port"));
  const double rate = std::stod(args.at("rate"));
  if (rate <= 0) throw std::invalid_argument("--rate must be positive");
  const int threads = args.count("threads") ? std::stoi(args.at("threads"))
                                            : (rate > 400 ? 16 : rate > 100 ? 8 : 2);
  const double max_seconds = args.count("max-seconds") ? std::stod(args.at("max-seconds")) : 600;
  std::signal(SIGTERM, OnStopSignal);
  std::signal(SIGINT, OnStopSignal);

  Counts counts;
  std::vector<std::string> ids;
  std::mutex ids_mutex;
  const double interval_ms = 1000.0 * threads / rate;
  const double started = NowMs();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      WriterThread(posts_port, comments_port, interval_ms, started + interval_ms * t / threads,
                   counts, ids, ids_mutex)
          .Run();
    });
  }
  while (!g_stop.load() && NowMs() - started < max_seconds * 1000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  g_stop.store(true);
  for (auto& w : workers) w.join();
  const double seconds = (NowMs() - started) / 1000;
  const long writes = counts.posts + counts.comments;
  if (args.count("ids-out")) {
    std::ofstream out(args.at("ids-out"));
    for (const auto& id : ids) out << id << '\n';
  }
  std::printf("RESULT write rate=%.1f posts=%ld comments=%ld failed=%ld early=%ld late=%.3f\n",
              seconds > 0 ? static_cast<double>(writes) / seconds : 0, counts.posts.load(),
              counts.comments.load(), counts.failed.load(), counts.early.load(),
              counts.ops > 0 ? static_cast<double>(counts.late) / static_cast<double>(counts.ops) : 0);
  return counts.failed > 0 ? 1 : 0;
}

}  // namespace bench
