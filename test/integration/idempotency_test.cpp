// Idempotency-Key on a create route, against a real PostgreSQL and real HTTP servers: one or two
// "replicas" (each its own Database pool, Idempotency and HttpServer) sharing one database.
#include "common/idempotency.hpp"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "common/events.hpp"
#include "common/http_server.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"
#include "common/metrics.hpp"

#include "harness.hpp"

using namespace blog;
using namespace std::chrono_literals;
using test::Http;
using test::HttpResult;

namespace {

const std::vector<Migration> kMigrations = {
    {1, "CREATE TABLE items (id uuid PRIMARY KEY, title text NOT NULL)"}};

// Lets handlers wait for each other: Arrive() returns once `expected` calls have arrived (or
// after 10 s, so that a broken test fails instead of hanging).
class Rendezvous {
 public:
  explicit Rendezvous(int expected) : expected_(expected) {}
  void Arrive() {
    std::unique_lock lock(mutex_);
    ++arrived_;
    changed_.notify_all();
    changed_.wait_for(lock, 10s, [&] { return arrived_ >= expected_; });
  }
  bool WaitArrived(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return arrived_ >= n; });
  }
  void Release() {
    const std::lock_guard lock(mutex_);
    arrived_ = expected_ = 0;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int expected_;
  int arrived_ = 0;
};

const Statement kInsert{"items_insert", "INSERT INTO items (id, title) VALUES ($1, $2)"};
const Statement kInsertWithEvent = Database::WithEvent(
    "items_insert_with_event", "INSERT INTO items (id, title) VALUES ($1, $2)", 2);

// One replica of a small create service: POST /items {title} -> 201 {id,title} with a Location
// header, the row and a PostCreated in the outbox; POST /items/tx the same through Transact.
class Replica {
 public:
  Replica(const std::string& url, std::chrono::milliseconds ttl = 24h)
      : db_(url, 4, "/test"), idempotency_(db_, ttl) {
    db_.Migrate("test", kMigrations);
    router_.Add("POST", "/items", idempotency_.Wrap([this](const HttpRequest& r) {
      return Create(r, [&](const PostCreated& item) {
        db_.ExecWithEvent(kInsertWithEvent, item, item.id, item.title);
      });
    }));
    router_.Add("POST", "/items/tx", idempotency_.Wrap([this](const HttpRequest& r) {
      return Create(r, [&](const PostCreated& item) {
        db_.Transact([&](Tx& tx) {
          tx.Exec(kInsert, item.id, item.title);
          tx.Publish(item);
        });
      });
    }));
    server_ = std::make_unique<HttpServer>(HttpServerOptions{.host = "127.0.0.1", .port = port_},
                                           router_);
    server_->Start();
  }

  HttpResult Post(const std::string& title, const std::string& key,
                  const std::string& path = "/items") {
    std::map<std::string, std::string> headers;
    if (!key.empty()) headers["Idempotency-Key"] = key;
    return Http(port_, "POST", path, R"({"title":")" + title + R"("})", "application/json",
                headers);
  }

  // Runs after the handler's write, before it answers.
  std::function<void()> after_write;
  std::atomic<int> handled{0};
  Database& db() { return db_; }

 private:
  HttpResponse Create(const HttpRequest& request,
                      const std::function<void(const PostCreated&)>& write) {
    ++handled;
    const auto body = JsonObject::Parse(request.body);
    const PostCreated item{.id = NewUuid(), .title = body.String("title", 1, 100)};
    if (item.title == "missing") throw NotFoundError("nothing to attach to");
    write(item);
    if (after_write) after_write();
    if (item.title == "explode") throw std::runtime_error("failed after writing");
    JsonWriter w;
    w.StartObject().Key("id").String(item.id).Key("title").String(item.title).EndObject();
    auto response = HttpResponse::Json(201, w.Take());
    response.headers.emplace_back("Location", "/items/" + item.id);
    return response;
  }

  Database db_;
  Idempotency idempotency_;
  Router router_;
  int port_ = test::FreePort();
  std::unique_ptr<HttpServer> server_;
};

struct Fixture {
  explicit Fixture(std::chrono::milliseconds ttl = 24h) : replica(pg.url(), ttl) {}
  test::TempDatabase pg;
  Replica replica;

  int Count(const std::string& sql) {
    int n = 0;
    replica.db().Transact([&](Tx& tx) { n = tx.ExecScript(sql)[0].Get<int>("count"); });
    return n;
  }
  int Items() { return Count("SELECT count(*) FROM items"); }
  int Events() { return Count("SELECT count(*) FROM blog_outbox"); }
  int Keys() { return Count("SELECT count(*) FROM blog_idempotency"); }
};

std::string ErrorField(const HttpResult& r) {
  INFO(r.body);
  REQUIRE(r.body.find(R"({"errors":[{"message":")") == 0);
  return r.body.find(R"("field":"idempotency-key")") != std::string::npos ? "idempotency-key" : "";
}

}  // namespace

TEST_CASE("a repeat under the same Idempotency-Key gets the first answer and creates nothing",
          "[integration][idempotency]") {
  Fixture f;
  const auto replays = [] {
    return Metrics::Global().Value("blog_idempotency_requests_total", {{"outcome", "replayed"}});
  };
  const double replays_before = replays();
  const auto first = f.replica.Post("Hello", R"("key-1")");
  REQUIRE(first.status == 201);
  CHECK(first.headers.count("idempotent-replayed") == 0);
  for (const auto* spelling : {R"("key-1")", "key-1", R"(  "key-1" )"}) {
    INFO(spelling);
    const auto again = f.replica.Post("Hello", spelling);
    CHECK(again.status == 201);
    CHECK(again.body == first.body);
    CHECK(again.headers.at("content-type") == first.headers.at("content-type"));
    CHECK(again.headers.at("location") == first.headers.at("location"));
    CHECK(again.headers.at("idempotent-replayed") == "true");
  }
  CHECK(replays() - replays_before == 3);
  CHECK(f.Items() == 1);
  CHECK(f.Events() == 1);
  CHECK(f.Keys() == 1);

  // Writes made through Transact join the keyed request's transaction the same way.
  const auto tx_first = f.replica.Post("Through Transact", "key-2", "/items/tx");
  REQUIRE(tx_first.status == 201);
  CHECK(f.replica.Post("Through Transact", "key-2", "/items/tx").body == tx_first.body);
  CHECK(f.Items() == 2);
  CHECK(f.Events() == 2);
}

TEST_CASE("a request without an Idempotency-Key is applied every time, as before",
          "[integration][idempotency]") {
  Fixture f;
  const auto a = f.replica.Post("Twice", "");
  const auto b = f.replica.Post("Twice", "");
  REQUIRE(a.status == 201);
  REQUIRE(b.status == 201);
  CHECK(a.body != b.body);
  CHECK(f.Items() == 2);
  CHECK(f.Events() == 2);
  CHECK(f.Keys() == 0);
}

TEST_CASE("the same key with another body or path is refused with 422 and changes nothing",
          "[integration][idempotency]") {
  Fixture f;
  REQUIRE(f.replica.Post("Original", "reused").status == 201);
  const auto other_body = f.replica.Post("Changed", "reused");
  CHECK(other_body.status == 422);
  CHECK(ErrorField(other_body) == "idempotency-key");
  CHECK(f.replica.Post("Original", "reused", "/items/tx").status == 422);
  // A body the handler itself refuses (400) still reports the misused key first.
  CHECK(f.replica.Post("", "reused").status == 422);
  CHECK(f.Items() == 1);
  CHECK(f.Events() == 1);
  CHECK(f.Keys() == 1);
}

TEST_CASE("a malformed Idempotency-Key is refused with 400 before the handler runs",
          "[integration][idempotency]") {
  Fixture f;
  const std::vector<std::string> malformed = {R"("unterminated)",
                                              R"("")",
                                              "two words",
                                              R"("a";p=1)",
                                              R"("a", "b")",
                                              R"("bad \n escape")",
                                              "caf\xc3\xa9",
                                              std::string(256, 'k'),
                                              "\"" + std::string(256, 'k') + "\""};
  for (const auto& key : malformed) {
    INFO("key: " << key);
    const auto r = f.replica.Post("Never", key);
    CHECK(r.status == 400);
    CHECK(ErrorField(r) == "idempotency-key");
  }
  CHECK(f.replica.handled == 0);
  CHECK(f.Items() == 0);
  CHECK(f.Keys() == 0);
  // The longest key allowed is taken.
  CHECK(f.replica.Post("Longest", std::string(kMaxIdempotencyKeyChars, 'k')).status == 201);
}

TEST_CASE("an answer that is not 2xx is not stored, so the request can be retried under its key",
          "[integration][idempotency]") {
  Fixture f;
  const auto missing = f.replica.Post("missing", "retry-me");
  CHECK(missing.status == 404);
  const auto failed = f.replica.Post("explode", "explode-key");
  CHECK(failed.status == 500);
  CHECK(f.Items() == 0);  // the write before the failure was rolled back
  CHECK(f.Events() == 0);
  CHECK(f.Keys() == 0);
  CHECK(f.replica.Post("missing", "retry-me").status == 404);
  // The key is still free for the request that eventually succeeds.
  CHECK(f.replica.Post("Works now", "retry-me").status == 201);
  CHECK(f.Items() == 1);
}

TEST_CASE("a key lives IDEMPOTENCY_TTL_MS; then it is free again and later writes delete it",
          "[integration][idempotency]") {
  Fixture f(90min);
  const auto first = f.replica.Post("Once", "old");
  REQUIRE(first.status == 201);
  REQUIRE(f.replica.Post("Other", "also-old").status == 201);
  CHECK(f.Count("SELECT count(*) FROM blog_idempotency WHERE expires_at - created_at = "
                "interval '90 minutes'") == 2);

  // Both keys reach the end of their life.
  f.replica.db().Transact([](Tx& tx) {
    tx.ExecScript("UPDATE blog_idempotency SET expires_at = now() - interval '1 second'");
  });
  const auto after = f.replica.Post("Once", "old");
  REQUIRE(after.status == 201);
  CHECK(after.headers.count("idempotent-replayed") == 0);
  CHECK(after.body != first.body);  // a new item: the old answer is gone
  CHECK(f.Count("SELECT count(*) FROM items") == 3);
  // The write that reused "old" also deleted the other expired key.
  CHECK(f.Count("SELECT count(*) FROM blog_idempotency") == 1);
  CHECK(f.Count("SELECT count(*) FROM blog_idempotency WHERE key = 'old' AND expires_at > now()") ==
        1);
  CHECK(f.replica.Post("Once", "old").body == after.body);
}

TEST_CASE("a repeat that arrives while the first is in progress gets 409, then the answer",
          "[integration][idempotency]") {
  Fixture f;
  Rendezvous gate(1000);  // holds every request after its write until released
  f.replica.after_write = [&] { gate.Arrive(); };
  HttpResult first;
  std::thread slow([&] { first = f.replica.Post("Slow", "busy"); });
  REQUIRE(gate.WaitArrived(1));
  const auto during = f.replica.Post("Slow", "busy");
  CHECK(during.status == 409);
  CHECK(during.headers.at("retry-after") == "1");
  CHECK(ErrorField(during) == "idempotency-key");
  gate.Release();
  slow.join();
  f.replica.after_write = nullptr;
  REQUIRE(first.status == 201);
  CHECK(f.replica.Post("Slow", "busy").body == first.body);
  CHECK(f.Items() == 1);
}

TEST_CASE("many threads sending one key at once apply it exactly once",
          "[integration][idempotency]") {
  Fixture f;
  constexpr int kThreads = 16;
  std::vector<HttpResult> answers(kThreads);
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      answers[i] = f.replica.Post("Crowd", "crowd-key");
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  std::string body;
  int created = 0;
  for (const auto& a : answers) {
    INFO(a.status << " " << a.body);
    CHECK((a.status == 201 || a.status == 409));
    if (a.status != 201) continue;
    ++created;
    if (body.empty()) body = a.body;
    CHECK(a.body == body);
  }
  CHECK(created >= 1);
  CHECK(f.Items() == 1);
  CHECK(f.Events() == 1);
}

TEST_CASE("two replicas given one key at the same moment apply it once and answer alike",
          "[integration][idempotency]") {
  Fixture f;
  Replica& a = f.replica;
  Replica b(f.pg.url());
  constexpr int kKeys = 8;
  for (int k = 0; k < kKeys; ++k) {
    // Both handlers have written (uncommitted) before either stores its answer.
    Rendezvous both(2);
    a.after_write = b.after_write = [&] { both.Arrive(); };
    const std::string key = "shared-" + std::to_string(k);
    HttpResult from_a;
    HttpResult from_b;
    std::thread ta([&] { from_a = a.Post("Shared " + std::to_string(k), key); });
    std::thread tb([&] { from_b = b.Post("Shared " + std::to_string(k), key); });
    ta.join();
    tb.join();
    INFO(from_a.body << " / " << from_b.body);
    CHECK(from_a.status == 201);
    CHECK(from_b.status == 201);
    CHECK(from_a.body == from_b.body);
    CHECK(from_a.headers.count("idempotent-replayed") +
              from_b.headers.count("idempotent-replayed") ==
          1);
  }
  a.after_write = b.after_write = nullptr;
  CHECK(f.Items() == kKeys);
  CHECK(f.Events() == kKeys);
}
