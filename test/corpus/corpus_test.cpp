// The bad-request corpus (cases/, format in README.md) against the real services: every case is
// sent over a raw socket to each service it names, and must be refused as it says, while nothing
// is stored, no event is published, no process dies, slow clients do not hold a service, and
// normal requests still work afterwards.
//
// Environment besides the harness's: BLOG_CORPUS_FILTER (run only cases whose name contains it),
// BLOG_CORPUS_CLOSE_WITHIN_S (how long a truncated request may hold a connection, default 35).
#include <cstdlib>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "common/events.hpp"
#include "common/nats_client.hpp"
#include "common/stream_reader.hpp"

#include "blog_system.hpp"
#include "corpus_case.hpp"
#include "exposition.hpp"  // tools/src: strict Prometheus text reader
#include "raw_exchange.hpp"

namespace blog::test::corpus {
namespace {

using namespace std::chrono_literals;
using ctl::ParseExposition;

constexpr auto kAnswerWithin = 5s;
constexpr auto kHealthWithin = 2s;  // /healthz while slow clients hold connections
constexpr std::size_t kBatch = 64;  // slow connections held at once, over all services
constexpr std::size_t kMinimumCorpus = 200;
constexpr int kSlowloris = 200;  // stalled uploads at once, well under any connection bound

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value == nullptr ? fallback : value;
}

std::chrono::seconds CloseWithin() {
  return std::chrono::seconds(std::stoi(EnvOr("BLOG_CORPUS_CLOSE_WITHIN_S", "35")));
}

// What the services stored: rows in the posts and comments databases.
class Store {
 public:
  explicit Store(const BlogSystem& blog)
      : posts_(blog.DatabaseUrl("posts")), comments_(blog.DatabaseUrl("comments")) {}
  std::pair<long long, long long> Rows() {
    return {Count(posts_, "posts"), Count(comments_, "comments")};
  }
  bool OutboxesEmpty() {
    return Count(posts_, "blog_outbox") + Count(comments_, "blog_outbox") == 0;
  }

  static long long Count(pqxx::connection& db, const std::string& table) {
    pqxx::nontransaction tx(db);
    return tx.exec1("SELECT count(*) FROM " + table)[0].as<long long>();
  }

 private:
  pqxx::connection posts_;
  pqxx::connection comments_;
};

struct Send {
  const CorpusCase* entry;
  std::string service;
  std::string bytes;
  Exchange exchange;
};

std::string Describe(const Send& s, const std::string& why) {
  return s.entry->name + " -> " + s.service + ": " + why + "\n  (" + s.entry->title +
         ")\n  request:  " + Printable(s.bytes) +
         "\n  response: " + Printable(s.exchange.received, 300);
}

bool Healthy(BlogSystem& blog, const std::string& service) {
  return Http(blog.Port(service), "GET", "/healthz").status == 200;
}

// Records `failure` (printed at the end too) and keeps going.
void Fail(std::vector<std::string>& failures, const std::string& failure) {
  failures.push_back(failure);
  FAIL_CHECK(failure);
}

// A service dead or hung for 5 s fails the case that did it and is restarted, so the rest of the
// corpus runs.
void CheckAlive(BlogSystem& blog, const std::string& service, const std::string& after,
                std::vector<std::string>& failures) {
  if (Eventually([&] { return Healthy(blog, service); }, 5s)) return;
  Fail(failures, service + " stopped answering /healthz after " + after + "; log tail:\n" +
                     blog.Logs(service).substr(
                         blog.Logs(service).size() > 2000 ? blog.Logs(service).size() - 2000 : 0));
  blog.Stop(service, 9);
  blog.Start(service);
  REQUIRE(blog.WaitReady(service));
}

void CheckNothingStored(Store& store, std::pair<long long, long long>& rows,
                        const std::string& after, std::vector<std::string>& failures) {
  const auto now = store.Rows();
  if (now == rows) return;
  Fail(failures, after + " stored something: posts " + std::to_string(rows.first) + " -> " +
                     std::to_string(now.first) + ", comments " + std::to_string(rows.second) +
                     " -> " + std::to_string(now.second));
  rows = now;  // blame only this case for it
}

// Sends the slow and malformed-framing cases a batch at a time, checking meanwhile that every
// service still answers /healthz promptly.
void RunHeldBatch(BlogSystem& blog, std::vector<Send*> batch, std::vector<std::string>& failures) {
  std::vector<std::future<Exchange>> running;
  for (Send* s : batch) {
    const int port = blog.Port(s->service);
    running.push_back(std::async(std::launch::async,
                                 [port, s] { return RawExchange(port, s->bytes, CloseWithin()); }));
  }
  std::this_thread::sleep_for(1s);
  for (const auto& service : kServices) {
    const auto started = std::chrono::steady_clock::now();
    const int status = Http(blog.Port(service), "GET", "/healthz").status;
    const auto took = std::chrono::steady_clock::now() - started;
    if (status != 200 || took > kHealthWithin) {
      Fail(failures,
           service + " /healthz answered " + std::to_string(status) + " in " +
               std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) +
               " ms while " + std::to_string(batch.size()) +
               " slow connections were open (slow clients must not hold a service)");
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->exchange = running[i].get();
}

}  // namespace

TEST_CASE("every case of the bad-request corpus is refused, stores nothing and kills nothing",
          "[e2e][corpus]") {
  const std::string filter = EnvOr("BLOG_CORPUS_FILTER", "");
  const auto corpus = LoadCorpus(BLOG_CORPUS_DIR, filter);
  if (filter.empty()) REQUIRE(corpus.size() >= kMinimumCorpus);

  BlogSystem blog;
  const std::string post = blog.CreatePost("corpus baseline");
  REQUIRE(Eventually([&] {
    return Http(blog.Port("comments"), "GET", "/posts/" + post + "/comments").status == 200 &&
           Http(blog.Port("query"), "GET", "/posts/" + post).status == 200;
  }));
  NatsClient nats(blog.AdminNats("corpus-test"));
  REQUIRE(nats.WaitConnected(5s));
  Store store(blog);
  REQUIRE(Eventually([&] { return store.OutboxesEmpty(); }));
  const auto baseline_rows = store.Rows();
  const auto baseline_events = GetStreamPosition(nats, kEventStream).messages;
  REQUIRE(baseline_rows == std::make_pair(1LL, 0LL));

  std::vector<Send> answered;
  std::vector<Send> held;
  for (const auto& entry : corpus) {
    for (const auto& service : entry.services) {
      (entry.expect.close ? held : answered).push_back({&entry, service, entry.Render(post), {}});
    }
  }
  std::vector<std::string> failures;
  auto rows = baseline_rows;

  // 1. Requests that must be answered: one at a time, checking storage and health after each.
  for (auto& s : answered) {
    s.exchange = RawExchange(blog.Port(s.service), s.bytes, kAnswerWithin);
    const std::string why = Verdict(s.entry->expect, s.exchange);
    if (!why.empty()) Fail(failures, Describe(s, why));
    CheckAlive(blog, s.service, s.entry->name, failures);
    CheckNothingStored(store, rows, s.entry->name + " -> " + s.service, failures);
  }

  // 2. Truncated, slow and malformed-framing requests: held concurrently, in batches.
  for (std::size_t first = 0; first < held.size(); first += kBatch) {
    std::vector<Send*> batch;
    for (std::size_t i = first; i < held.size() && i < first + kBatch; ++i)
      batch.push_back(&held[i]);
    RunHeldBatch(blog, batch, failures);
    for (const Send* s : batch) {
      const std::string why = Verdict(s->entry->expect, s->exchange);
      if (!why.empty()) Fail(failures, Describe(*s, why));
    }
    for (const auto& service : kServices)
      CheckAlive(blog, service, "a batch of held requests", failures);
    CheckNothingStored(store, rows, "a batch of held requests", failures);
  }

  // 3. A slowloris: many clients that declare a body and never send it must not stop a service
  //    (each may hold a connection, none may hold a worker).
  for (const auto& service : {"posts", "comments"}) {
    const std::string stalled =
        "POST /posts/create HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
    std::vector<std::unique_ptr<HeldConnection>> slow;
    for (int i = 0; i < kSlowloris; ++i) {
      slow.push_back(std::make_unique<HeldConnection>(blog.Port(service), stalled));
    }
    std::this_thread::sleep_for(1s);
    const auto started = std::chrono::steady_clock::now();
    const auto health = Http(blog.Port(service), "GET", "/healthz");
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (health.status != 200 || took > kHealthWithin) {
      Fail(failures, std::string(service) + " /healthz answered " + std::to_string(health.status) +
                         " in " + std::to_string(took.count()) + " ms while " +
                         std::to_string(kSlowloris) +
                         " clients held a declared body back (slowloris)");
    }
  }
  for (const auto& service : kServices) CheckAlive(blog, service, "the slowloris", failures);

  // 4. Nothing anywhere: databases, read model, moderation, the event stream, the dead letters.
  CHECK(Eventually([&] { return store.OutboxesEmpty(); }, 5s));
  CHECK(store.Rows() == baseline_rows);
  CHECK(GetStreamPosition(nats, kEventStream).messages == baseline_events);
  CHECK(GetStreamPosition(nats, kDeadLetterStream).messages == 0);
  {
    pqxx::connection query_db(blog.DatabaseUrl("query"));
    CHECK(Store::Count(query_db, "posts") == 1);
    CHECK(Store::Count(query_db, "comments") == 0);
    pqxx::connection moderation_db(blog.DatabaseUrl("moderation"));
    CHECK(Store::Count(moderation_db, "decisions") == 0);
  }
  for (const auto& service : kServices) {
    const auto metrics = Http(blog.Port(service), "GET", "/metrics");
    CHECK(metrics.status == 200);
    try {
      ParseExposition(metrics.body);
    } catch (const std::exception& e) {
      Fail(failures, service + " /metrics is no longer valid exposition: " + e.what());
    }
  }

  // 5. Normal requests still work, end to end.
  const auto posts_before = blog.QueryPosts().MemberCount();
  const std::string after = blog.CreatePost("after the corpus");
  const auto comment = blog.AddComment(after, "I like apples");
  REQUIRE(comment.status == 201);
  const std::string comment_id = ParseJson(comment.body)[0]["id"].GetString();
  CHECK(Eventually([&] { return blog.QueryStatus(after, comment_id) == "approved"; }, 20s));
  CHECK(blog.QueryPosts().MemberCount() == posts_before + 1);

  std::cout << "bad-request corpus: " << corpus.size() << " cases, "
            << answered.size() + held.size() << " requests (" << held.size()
            << " held), failures: " << failures.size() << "\n";
  for (const auto& f : failures) std::cout << "FAILED " << f << "\n";
}

}  // namespace blog::test::corpus
