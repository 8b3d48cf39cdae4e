// Order independence: a shuffled, partly duplicated event sequence gives the same state as the
// ordered one, for the query projection and for the comments service's moderation handling.
#include <algorithm>
#include <future>
#include <random>
#include <sstream>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "common/codec.hpp"
#include "common/dead_letter.hpp"
#include "common/ids.hpp"

#include "comments.hpp"
#include "harness.hpp"
#include "query_listeners.hpp"
#include "rebuild.hpp"
#include "projection.hpp"
#include "schema.hpp"

using namespace blog;
using namespace std::chrono_literals;
using test::Eventually;

namespace {

struct Stored {
  AnyEvent event;
  std::string id;
};

// 6 posts with 4 comments each: PostCreated, CommentCreated (v0) and CommentUpdated (v1).
std::vector<Stored> BlogHistory() {
  std::vector<Stored> events;
  for (int p = 0; p < 6; ++p) {
    const std::string post = NewUuid();
    events.push_back({PostCreated{post, "post " + std::to_string(p), 0}, NewUuid()});
    for (int c = 0; c < 4; ++c) {
      const std::string comment = NewUuid();
      const std::string content = "comment " + std::to_string(p) + "." + std::to_string(c);
      events.push_back({CommentCreated{comment, post, content, 0}, NewUuid()});
      const auto status = c % 2 == 0 ? CommentStatus::kApproved : CommentStatus::kRejected;
      events.push_back({CommentUpdated{comment, post, content, status, 1}, NewUuid()});
    }
  }
  return events;
}

// Shuffles and adds a copy (same event id, new message id) of about a third of the events.
std::vector<Stored> ShuffledWithDuplicates(std::vector<Stored> events, unsigned seed) {
  std::mt19937 random(seed);
  const std::size_t n = events.size();
  for (std::size_t i = 0; i < n; i += 3) events.push_back(events[i]);
  std::shuffle(events.begin(), events.end(), random);
  return events;
}

struct Node : test::Servers {
  ListenerContext context{
      "svc", nats, db,
      ListenerSettings{
          .ack_wait = 5s, .max_deliver = 3, .retry_base = 50ms, .retry_max = 200ms, .batch = 64},
      false};

  explicit Node(const std::vector<Migration>& migrations, const std::string& component)
      : Servers("ordering", component, migrations) {}

  void Publish(const std::vector<Stored>& events) {
    for (const auto& e : events) {
      nats.Publish(SubjectOf(e.event), EncodeEvent(e.event, {e.id, "/test", NowRfc3339()}),
                   {{std::string(kMsgIdHeader), NewUuid()}});
    }
  }
};

// Posts and comments of the query read model; with `positions`, also the stream positions and
// the posts' JSON documents (which list comments in position order).
std::string ReadModel(Node& node, bool positions) {
  if (!positions) {
    return node.Rows("SELECT id, title, version FROM posts ORDER BY id") +
           node.Rows("SELECT id, post_id, content, status, version FROM comments ORDER BY id");
  }
  return node.Rows("SELECT id, title, version, created_seq, doc FROM posts ORDER BY id") +
         node.Rows("SELECT id, post_id, content, status, version, created_seq FROM comments "
                   "ORDER BY id");
}

// Applies `events` through the query service's listeners and returns the read model.
std::string QueryModel(const std::vector<Stored>& events, std::size_t unique,
                       bool positions = false) {
  Node node(query::Migrations(), "query");
  const test::QueryListeners listeners(node.context);
  node.Publish(events);
  REQUIRE(Eventually(
      [&] { return node.Count("SELECT count(*) FROM blog_inbox") == static_cast<int>(unique); }));
  std::this_thread::sleep_for(300ms);  // let any redelivery land: it must change nothing
  return ReadModel(node, positions);
}

// Replays `events` with query::Rebuild (set-based, one batch) and returns the read model.
std::string RebuiltQueryModel(const std::vector<Stored>& events) {
  Node node(query::Migrations(), "query");
  node.Publish(events);
  std::ostringstream progress;
  CHECK(query::Rebuild(node.db, node.nats, progress) == events.size());  // repeats included
  CHECK(progress.str().find("rebuild: done") != std::string::npos);
  return ReadModel(node, true);
}

}  // namespace

TEST_CASE("the query projection converges to the same read model in any delivery order",
          "[integration][ordering]") {
  const auto history = BlogHistory();
  const std::string ordered = QueryModel(history, history.size());
  const std::string shuffled = QueryModel(ShuffledWithDuplicates(history, 7), history.size());
  CHECK(ordered.find("|approved|1|") != std::string::npos);
  CHECK(ordered.find("|rejected|1|") != std::string::npos);
  CHECK(shuffled == ordered);
}

TEST_CASE("a query rebuild gives the same read model as the listeners, in any stored order",
          "[integration][ordering]") {
  const auto history = BlogHistory();
  const auto shuffled = ShuffledWithDuplicates(history, 7);
  const std::string live = QueryModel(history, history.size(), true);
  CHECK(live.find(R"(,"status":"approved"})") != std::string::npos);
  CHECK(RebuiltQueryModel(history) == live);
  const std::string live_shuffled = QueryModel(shuffled, history.size(), true);
  CHECK(live_shuffled.find(R"(,"status":"rejected"})") != std::string::npos);
  CHECK(RebuiltQueryModel(shuffled) == live_shuffled);
}

TEST_CASE("applying the history again, in other batches and orders, changes nothing in the query "
          "read model",
          "[integration][ordering]") {
  // What the rebuild, which writes no inbox rows, relies on (invariants.hpp, 6).
  const auto history = BlogHistory();
  std::vector<std::pair<Stored, std::uint64_t>> sequenced;  // as the stream numbers them
  for (std::size_t i = 0; i < history.size(); ++i) sequenced.emplace_back(history[i], i + 1);
  Node node(query::Migrations(), "query");
  const auto apply = [&](const std::vector<std::pair<Stored, std::uint64_t>>& events,
                         std::size_t batch) {
    for (std::size_t first = 0; first < events.size(); first += batch) {
      std::vector<query::SequencedEvent> part;
      for (std::size_t i = first; i < std::min(events.size(), first + batch); ++i)
        part.push_back({&events[i].first.event, events[i].second});
      node.db.Transact([&](Tx& tx) { query::ApplyAll(tx, part); });
    }
  };
  apply(sequenced, sequenced.size());
  const std::string once = ReadModel(node, true);
  CHECK(once.find(R"(,"status":"rejected"})") != std::string::npos);
  // Again, shuffled, with a third of the events twice, in batches of 5 and then one by one.
  std::mt19937 random(5);
  auto again = sequenced;
  for (std::size_t i = 0; i < sequenced.size(); i += 3) again.push_back(sequenced[i]);
  std::shuffle(again.begin(), again.end(), random);
  apply(again, 5);
  CHECK(ReadModel(node, true) == once);
  apply(again, 1);
  CHECK(ReadModel(node, true) == once);
}

namespace {

struct ModerationRun {
  std::string comments;
  int updates_published;
};

// Seeds 12 pending comments, applies `decisions` through the comments service's listener and
// returns the comments table and the number of CommentUpdated events it wrote to its outbox.
ModerationRun ApplyModeration(const std::vector<Stored>& decisions, std::size_t unique,
                              const std::vector<CommentModerated>& seeds) {
  Node node(comments::Migrations(), "comments");
  const Statement seed_post{"test_seed_post",
                            "INSERT INTO known_posts (id) VALUES ($1) ON CONFLICT DO NOTHING"};
  const Statement seed_comment{"test_seed_comment",
                               "INSERT INTO comments (id, post_id, content, status, version) "
                               "VALUES ($1, $2, $3, 'pending', 0)"};
  node.db.Transact([&](Tx& tx) {
    for (const auto& c : seeds) {
      tx.Exec(seed_post, c.post_id);
      tx.Exec(seed_comment, c.id, c.post_id, c.content);
    }
  });
  comments::CommentModeratedListener listener(node.context);
  listener.Start();
  node.Publish(decisions);
  REQUIRE(Eventually(
      [&] { return node.Count("SELECT count(*) FROM blog_inbox") == static_cast<int>(unique); }));
  std::this_thread::sleep_for(300ms);
  return {node.Rows("SELECT id, status, version FROM comments ORDER BY id"),
          node.Count("SELECT count(*) FROM blog_outbox WHERE subject = 'blog.comment.updated'")};
}

}  // namespace

TEST_CASE("the comments service applies each moderation once in any delivery order",
          "[integration][ordering]") {
  std::vector<CommentModerated> seeds;
  std::vector<Stored> decisions;
  const std::string post = NewUuid();
  for (int i = 0; i < 12; ++i) {
    CommentModerated m{NewUuid(),
                       post,
                       "c" + std::to_string(i),
                       i % 3 == 0 ? CommentStatus::kRejected : CommentStatus::kApproved,
                       "",
                       0};
    seeds.push_back(m);
    decisions.push_back({m, NewUuid()});
  }
  // A decision re-sent under a new event id (a reprocessed cause) must not apply twice either.
  auto with_resent = decisions;
  for (int i = 0; i < 12; i += 4)
    with_resent.push_back({decisions[static_cast<std::size_t>(i)].event, NewUuid()});

  const auto ordered = ApplyModeration(decisions, decisions.size(), seeds);
  const auto shuffled =
      ApplyModeration(ShuffledWithDuplicates(with_resent, 11), with_resent.size(), seeds);
  CHECK(ordered.updates_published == 12);
  CHECK(shuffled.updates_published == 12);
  CHECK(ordered.comments.find("|pending|") == std::string::npos);
  CHECK(shuffled.comments == ordered.comments);
}

TEST_CASE("a rebuild started while a projection transaction is open waits for it",
          "[integration][ordering]") {
  Node node(query::Migrations(), "query");
  // A listener's transaction: the inbox first, then the read model.
  pqxx::connection conn(node.pg.url());
  pqxx::work listener(conn);
  listener.exec("INSERT INTO blog_inbox (event_id, consumer) VALUES ('e1', 'query-PostCreated')");
  std::ostringstream progress;
  auto rebuilt = std::async(std::launch::async,
                            [&] { return query::Rebuild(node.db, node.nats, progress); });
  REQUIRE(Eventually([&] {
    return node.Count(
               "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
               "AND query LIKE 'TRUNCATE%'") == 1;
  }));
  // Had the rebuild locked posts before the inbox, this insert would deadlock with it.
  listener.exec(
      "INSERT INTO posts (id, title, version, created_seq) "
      "VALUES ('00000000-0000-4000-8000-000000000001', 't', 0, 1)");
  listener.commit();
  CHECK(rebuilt.get() == 0);
  CHECK(progress.str().find("rebuild: done") != std::string::npos);
  CHECK(node.Count("SELECT count(*) FROM posts") == 0);
}
