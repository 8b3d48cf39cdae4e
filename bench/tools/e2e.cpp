// `blog-bench e2e`: end-to-end latency from a 201 to the change being committed in the query
// service's read model, optionally under a paced background load of post creations.
//
// Arrival is timestamped without polling: triggers on the query DB's posts and comments tables
// NOTIFY the bench with the id of each visible post and each comment in a final status; a
// listener thread timestamps each notification as it arrives (it is sent at commit).
#include <poll.h>

#include <libpq-fe.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http_client.hpp"
#include "stats.hpp"

namespace bench {
namespace {

constexpr const char* kTriggerSql = R"sql(
CREATE OR REPLACE FUNCTION bench_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'posts' THEN
    IF NEW.title IS NOT NULL THEN PERFORM pg_notify('bench_e2e', 'p' || NEW.id::text); END IF;
  ELSIF NEW.status <> 'pending' THEN
    PERFORM pg_notify('bench_e2e', 'c' || NEW.id::text);
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS bench_posts ON posts;
DROP TRIGGER IF EXISTS bench_comments ON comments;
CREATE TRIGGER bench_posts AFTER INSERT OR UPDATE ON posts
  FOR EACH ROW EXECUTE FUNCTION bench_notify();
CREATE TRIGGER bench_comments AFTER INSERT OR UPDATE ON comments
  FOR EACH ROW EXECUTE FUNCTION bench_notify();
LISTEN bench_e2e;
)sql";

constexpr const char* kDropSql =
    "DROP TRIGGER IF EXISTS bench_posts ON posts; "
    "DROP TRIGGER IF EXISTS bench_comments ON comments; "
    "DROP FUNCTION IF EXISTS bench_notify()";

// Timestamps notifications ("p<id>" / "c<id>") as they arrive.
class Arrivals {
 public:
  explicit Arrivals(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn_));
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);  // "does not exist, skipping"
    Exec(kTriggerSql);
    thread_ = std::thread([this] { Run(); });
  }
  ~Arrivals() {
    stop_ = true;
    thread_.join();
    Exec(kDropSql);
    PQfinish(conn_);
  }

  // Milliseconds (steady clock) when `key` arrived, waiting up to `timeout_ms`; < 0 on timeout.
  double WaitFor(const std::string& key, double timeout_ms) {
    std::unique_lock lock(mutex_);
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::microseconds(static_cast<long>(timeout_ms * 1000));
    arrived_.wait_until(lock, deadline, [&] { return seen_.count(key) != 0; });
    const auto it = seen_.find(key);
    if (it == seen_.end()) return -1;
    const double at = it->second;
    seen_.erase(it);
    return at;
  }

 private:
  void Exec(const char* sql) {
    PGresult* r = PQexec(conn_, sql);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    const std::string error = ok ? "" : PQerrorMessage(conn_);
    PQclear(r);
    if (!ok) throw std::runtime_error("query db: " + error);
  }

  void Run() {
    const int fd = PQsocket(conn_);
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      const double now = NowMs();
      if (PQconsumeInput(conn_) == 0) break;
      std::lock_guard lock(mutex_);
      while (PGnotify* n = PQnotifies(conn_)) {
        seen_.emplace(n->extra, now);
        PQfreemem(n);
      }
      if (seen_.size() > 200000) seen_.clear();  // bound memory under background load
      arrived_.notify_all();
    }
  }

  PGconn* conn_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::unordered_map<std::string, double> seen_;
  std::thread thread_;
};

// Extracts the value of the first "id":"…" in `body`.
std::string FirstId(const std::string& body) {
  const auto at = body.find("\"id\":\"");
  return at == std::string::npos ? "" : body.substr(at + 6, 36);
}

// Paced post creations from `threads` connections at `rate` per second in total.
class BackgroundLoad {
 public:
  BackgroundLoad(const std::string& host, int port, const std::string& host_header, double rate,
                 int threads) {
    if (rate <= 0) return;
    const double interval_ms = 1000.0 * threads / rate;
    for (int t = 0; t < threads; ++t) {
      workers_.emplace_back([=, this] {
        HttpClient client(host, port, host_header);
        double next = NowMs() + interval_ms * t / threads;
        for (int i = 0; !stop_ && i < 10'000'000; ++i) {
          const double wait = next - NowMs();
          if (wait > 0) std::this_thread::sleep_for(std::chrono::microseconds(long(wait * 1000)));
          if (stop_) break;
          const auto reply = client.Request("POST", "/posts/create", R"({"title":"background"})");
          (reply.status == 201 ? ok_ : failed_)++;
          // Open loop, but never burst more than one interval to catch up.
          next = std::max(next + interval_ms, NowMs() - interval_ms);
        }
      });
    }
    started_ = NowMs();
  }
  ~BackgroundLoad() { Stop(); }
  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    stop_ = true;
    for (auto& w : workers_) w.join();
    const double seconds = (NowMs() - started_) / 1000;
    if (!workers_.empty()) {
      std::printf("RESULT background rate=%.1f ok=%ld failed=%ld\n",
                  seconds > 0 ? static_cast<double>(ok_) / seconds : 0, ok_.load(), failed_.load());
    }
  }

 private:
  std::atomic<bool> stop_{false};
  bool stopped_ = false;
  std::atomic<long> ok_{0}, failed_{0};
  double started_ = 0;
  std::vector<std::thread> workers_;
};

}  // namespace

int RunE2e(const std::map<std::string, std::string>& args) {
  const std::string host = "127.0.0.1";
  // Through an ingress: posts and comments on its port, and the Host its rules name.
  const std::string host_header = args.count("host-header") ? args.at("host-header") : "";
  const int posts_port = std::stoi(args.at("posts-port"));
  const int comments_port = std::stoi(args.at("comments-port"));
  const int samples = std::stoi(args.at("samples"));
  const double bg_rate = args.count("bg-rate") ? std::stod(args.at("bg-rate")) : 0;
  const std::string label = args.count("label") ? args.at("label") : "idle";
  const double max_seconds = args.count("max-seconds") ? std::stod(args.at("max-seconds")) : 600;
  constexpr double kTimeoutMs = 5000;
  constexpr int kGiveUpAfter = 5;  // consecutive timeouts: the pipeline is not keeping up

  // Wall-clock times of each sample, for `blog-bench breakdown` (correlates them with the
  // stream's own timestamps of every hop).
  std::ofstream trace(args.count("samples-out") ? args.at("samples-out") : "/dev/null");
  const double wall_offset =
      std::chrono::duration<double, std::milli>(
          std::chrono::system_clock::now().time_since_epoch()).count() - NowMs();
  const auto record = [&](const char* kind, const std::string& id, double t201, double seen) {
    trace << kind << ' ' << id << ' ' << std::fixed << t201 + wall_offset << ' '
          << seen + wall_offset << '\n';
  };
  Arrivals arrivals(args.at("query-db"));
  HttpClient posts(host, posts_port, host_header);
  HttpClient comments(host, comments_port, host_header);
  BackgroundLoad background(host, posts_port, host_header, bg_rate, bg_rate > 400 ? 16 : 8);
  if (bg_rate > 0) std::this_thread::sleep_for(std::chrono::seconds(1));  // let it settle

  std::vector<double> post_ms, comment_ms;
  int post_timeouts = 0, comment_timeouts = 0, failures = 0, consecutive = 0;
  const double deadline = NowMs() + max_seconds * 1000;  // bound the whole run
  for (int i = 0; i < samples && NowMs() < deadline && consecutive < kGiveUpAfter; ++i) {
    const auto created = posts.Request("POST", "/posts/create",
                                       R"({"title":"e2e )" + std::to_string(i) + "\"}");
    const double post_201 = NowMs();
    const std::string post_id = FirstId(created.body);
    if (created.status != 201 || post_id.size() != 36) {
      ++failures;
      continue;
    }
    const double post_seen = arrivals.WaitFor("p" + post_id, kTimeoutMs);
    if (post_seen < 0) {
      ++post_timeouts;
      ++consecutive;
      continue;
    }
    post_ms.push_back(post_seen - post_201);
    record("post", post_id, post_201, post_seen);

    // Half the comments are rejected, half approved: both are final states.
    const std::string content = std::string(i % 2 ? "I like oranges " : "I like apples ") +
                                std::to_string(i);
    const auto added = comments.Request("POST", "/posts/" + post_id + "/comments",
                                        R"({"content":")" + content + "\"}");
    const double comment_201 = NowMs();
    const auto at = added.body.find("\",\"content\":\"" + content + "\"");
    if (added.status != 201 || at == std::string::npos || at < 36) {
      ++failures;
      continue;
    }
    const std::string comment_id = added.body.substr(at - 36, 36);
    const double comment_final = arrivals.WaitFor("c" + comment_id, kTimeoutMs);
    if (comment_final < 0) {
      ++comment_timeouts;
      ++consecutive;
      continue;
    }
    consecutive = 0;
    comment_ms.push_back(comment_final - comment_201);
    record("comment", comment_id, comment_201, comment_final);
  }
  background.Stop();
  PrintLatency("e2e_post_" + label, post_ms, post_timeouts);
  PrintLatency("e2e_comment_" + label, comment_ms, comment_timeouts);
  std::printf("RESULT e2e_failures_%s failed=%d gave_up=%d\n", label.c_str(), failures,
              consecutive >= kGiveUpAfter ? 1 : 0);
  // Timeouts are a figure (the pipeline lags), not a breakage: the lost checks cover loss.
  return failures > 0 ? 1 : 0;
}

}  // namespace bench
