// blog-loadgen: the failover suite's load generator (test/ha/run). Creates posts through the
// ingress, then writes comments on them (and some more posts) at a steady paced rate, each
// write with its own Idempotency-Key and retried with the same key until the answer is a 201
// or a 4xx other than 409 ("still in progress"). Phases come from a file the driver appends to. On SIGTERM (or after --seconds) it
// stops writing, finishes what is in flight, checks that every write is in the query service
// exactly once with its final status, and prints what each phase saw.
//
//   blog-loadgen --port P [--host-header posts.com] [--rate 200] [--posts 1000]
//                [--connections 64] [--post-share 0.1] [--banned-share 0.33] [--seconds 0]
//                [--phase-file F] [--ready-file F] [--summary-out F.json]
//                [--drain-seconds 120] [--check-seconds 120]
//
// Exit status: 0 when no answer was a 500 and the check passed; 1 otherwise; 2 on bad usage.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "check.hpp"
#include "phases.hpp"
#include "stats.hpp"
#include "writes.hpp"

namespace blog::loadgen {
namespace {

volatile std::sig_atomic_t stop_requested = 0;
void RequestStop(int /*signal*/) { stop_requested = 1; }

struct Options {
  Target target;
  double rate = 200, post_share = 0.1, banned_share = 1.0 / 3, seconds = 0;
  double drain_seconds = 120, check_seconds = 120;
  int posts = 1000, connections = 64;
  std::string phase_file, ready_file, summary_out;
};

Options Parse(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument " + key);
    args[key.substr(2)] = argv[i + 1];
  }
  if ((argc - 1) % 2 != 0) throw std::invalid_argument(std::string("no value for ") + argv[argc - 1]);
  const auto get = [&](const std::string& k, const std::string& fallback) {
    const auto it = args.find(k);
    return it == args.end() ? fallback : it->second;
  };
  Options o;
  o.target.port = std::stoi(get("port", "0"));
  if (o.target.port <= 0) throw std::invalid_argument("--port is required");
  o.target.host_header = get("host-header", "posts.com");
  o.rate = std::stod(get("rate", "200"));
  o.posts = std::stoi(get("posts", "1000"));
  o.connections = std::stoi(get("connections", "64"));
  o.post_share = std::stod(get("post-share", "0.1"));
  o.banned_share = std::stod(get("banned-share", "0.3333"));
  o.seconds = std::stod(get("seconds", "0"));
  o.drain_seconds = std::stod(get("drain-seconds", "120"));
  o.check_seconds = std::stod(get("check-seconds", "120"));
  o.phase_file = get("phase-file", "/dev/null");
  o.ready_file = get("ready-file", "");
  o.summary_out = get("summary-out", "");
  if (o.rate <= 0 || o.posts <= 0 || o.connections <= 0)
    throw std::invalid_argument("--rate, --posts and --connections must be positive");
  return o;
}

Write PostWrite() {
  Write w;
  w.key = NewKey();
  w.is_post = true;
  w.text = "ha " + w.key + " a post";
  return w;
}

Write CommentWrite(const std::string& post_id, bool banned) {
  Write w;
  w.key = NewKey();
  w.post_id = post_id;
  w.banned = banned;
  w.text = "ha " + w.key + (banned ? " I like oranges" : " I like apples");
  return w;
}

// Creates the posts the comments go to, and waits until the comments service knows them all.
std::vector<std::string> CreatePosts(Writer& writer, const Options& o) {
  std::vector<Write*> created;
  for (int i = 0; i < o.posts; ++i) created.push_back(&writer.Submit(PostWrite()));
  if (!writer.Drain(120)) throw std::runtime_error("the first posts were not all created in 120 s");
  std::vector<std::string> ids;
  for (const Write* w : created) {
    const auto at = w->answer.find("\"id\":\"");
    if (w->final_status != 201 || at == std::string::npos)
      throw std::runtime_error("creating a post answered " + std::to_string(w->final_status) +
                               ": " + w->answer);
    ids.push_back(w->answer.substr(at + 6, 36));
  }
  bench::HttpClient client(o.target.host, o.target.port, o.target.host_header);
  const double deadline = bench::NowMs() + 60'000;
  for (const auto& id : ids) {
    while (client.RequestOnce("GET", "/posts/" + id + "/comments", "", {}).status != 200) {
      if (bench::NowMs() > deadline)
        throw std::runtime_error("post " + id + " did not reach the comments service in 60 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return ids;
}

// Paced writes until SIGTERM/SIGINT or --seconds: open loop, one write every 1/rate s.
void Load(Writer& writer, Phases& phases, const Options& o, const std::vector<std::string>& posts) {
  std::mt19937 random{std::random_device{}()};
  std::uniform_real_distribution<double> unit(0, 1);
  std::uniform_int_distribution<std::size_t> pick(0, posts.size() - 1);
  const double interval = 1000.0 / o.rate, started = bench::NowMs();
  double next = started, polled = 0;
  while (!stop_requested && (o.seconds <= 0 || bench::NowMs() - started < o.seconds * 1000)) {
    const double wait = next - bench::NowMs();
    if (wait > 0) std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long>(wait * 1000)));
    if (bench::NowMs() - polled > 100) {
      phases.Poll();
      polled = bench::NowMs();
    }
    if (unit(random) < o.post_share) {
      writer.Submit(PostWrite());
    } else {
      writer.Submit(CommentWrite(posts[pick(random)], unit(random) < o.banned_share));
    }
    next += interval;
  }
}

int Run(const Options& o) {
  Phases phases(o.phase_file);
  Writer writer(o.target, o.connections, phases);
  std::printf("creating %d posts through 127.0.0.1:%d (Host: %s)\n", o.posts, o.target.port,
              o.target.host_header.c_str());
  std::fflush(stdout);
  const auto posts = CreatePosts(writer, o);
  if (!o.ready_file.empty()) std::ofstream(o.ready_file) << "ready\n";
  std::printf("writing %.0f/s (%.0f%% new posts, a third of the comments with a banned word)\n",
              o.rate, o.post_share * 100);
  std::fflush(stdout);
  Load(writer, phases, o, posts);
  phases.Poll();
  phases.Begin("drain");
  const bool drained = writer.Drain(o.drain_seconds);
  std::printf("load stopped; %s\n", drained ? "every write answered" : "some writes unanswered");
  const long errors = phases.Report(o.summary_out);
  const CheckResult check = Check(o.target, writer.Writes(), drained ? o.check_seconds : 1);
  std::printf("\nwrites attempted: %ld posts (%d before the load), %ld comments\n", check.posts,
              o.posts, check.comments);
  std::printf("in the query service exactly once with their final status: %s\n",
              check.Ok() ? "all" : "NO");
  std::printf("acknowledged (201): %ld; lost %ld, duplicated %ld, wrong status %ld, refused %ld, "
              "unfinished %ld\n",
              check.acknowledged, check.missing, check.duplicated, check.wrong_status,
              check.refused, check.unfinished);
  if (!check.Ok()) std::printf("  first: %s\n", check.first_problem.c_str());
  if (errors > 0) std::printf("answers 500: %ld (a failure)\n", errors);
  std::fflush(stdout);
  return check.Ok() && errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace blog::loadgen

int main(int argc, char** argv) {
  std::signal(SIGTERM, blog::loadgen::RequestStop);
  std::signal(SIGINT, blog::loadgen::RequestStop);
  try {
    return blog::loadgen::Run(blog::loadgen::Parse(argc, argv));
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "blog-loadgen: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "blog-loadgen: %s\n", e.what());
    return 1;
  }
}
