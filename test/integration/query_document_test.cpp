// The query read model's stored documents (posts.doc) are the exact bodies GET /posts/{id}
// built with the JSON writer before they were stored, for any text, through the live path, a
// set-based batch and the migration that added them.
#include <cctype>

#include <catch2/catch.hpp>

#include "common/ascii.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"

#include "harness.hpp"
#include "post_doc.hpp"
#include "post_reads.hpp"
#include "projection.hpp"
#include "schema.hpp"

using namespace blog;

namespace {

// Quotes, backslashes, array-literal syntax, control characters (RapidJSON writes \u001F,
// PostgreSQL's to_json \u001f), non-ASCII and DEL.
const std::string kTricky = "a \"quoted\" \\ {x,y} NULL, \x01\x08\x0b\x1f\t\n\r é 😀 \x7f /";

struct Comment {
  std::string id;
  std::string content;
  std::string status;
};

std::string ExpectedBody(const std::string& id, const std::string& title,
                         const std::vector<Comment>& comments) {
  JsonWriter w;
  w.StartObject().Key("id").String(id).Key("title").String(title).Key("comments").StartArray();
  for (const auto& c : comments) {
    w.StartObject().Key("id").String(c.id).Key("content").String(c.content);
    w.Key("status").String(c.status).EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

std::string StoredDoc(Database& db, const std::string& id) {
  std::string doc = "(none)";
  const Statement stored_doc{"test_stored_doc", "SELECT doc FROM posts WHERE id = $1"};
  db.Transact([&](Tx& tx) {
    const Rows rows = tx.Exec(stored_doc, id);
    if (!rows.empty()) doc = rows[0].Get<std::optional<std::string>>("doc").value_or("(null)");
  });
  return doc;
}

// A read model of the test's own, ready for Apply and ApplyAll.
struct QueryModel {
  QueryModel() { db.Migrate("query", query::Migrations()); }
  test::TempDatabase pg;
  Database db{pg.url(), 2, "/test"};
};

}  // namespace

TEST_CASE("the query projection stores each post's body exactly as the JSON writer renders it",
          "[integration][query]") {
  QueryModel model;
  Database& db = model.db;
  const std::string post = NewUuid();
  const Comment first{NewUuid(), kTricky + "1", "approved"};
  const Comment second{NewUuid(), kTricky + "2", "pending"};
  // One by one, the comment before its post, the update before the creation.
  const std::vector<AnyEvent> events = {
      CommentUpdated{first.id, post, first.content, CommentStatus::kApproved, 1},
      CommentCreated{second.id, post, second.content, 0},
      PostCreated{post, kTricky, 0},
      CommentCreated{first.id, post, "old", 0},
  };
  std::uint64_t seq = 10;
  for (const auto& e : events) db.Transact([&](Tx& tx) { query::Apply(tx, e, seq--); });
  CHECK(StoredDoc(db, post) == ExpectedBody(post, kTricky, {first, second}));

  // The same history as one batch, in stream order.
  const std::string batch_post = NewUuid();
  std::vector<AnyEvent> batch = {PostCreated{batch_post, kTricky, 0}};
  for (const auto& c : {first, second}) {
    const std::string id = NewUuid();
    batch.push_back(CommentCreated{id, batch_post, "old", 0});
    batch.push_back(CommentUpdated{id, batch_post, c.content, CommentStatus::kRejected, 1});
  }
  std::vector<query::SequencedEvent> sequenced;
  for (std::size_t i = 0; i < batch.size(); ++i) sequenced.push_back({&batch[i], 100 + i});
  db.Transact([&](Tx& tx) { query::ApplyAll(tx, sequenced); });
  const auto& c1 = std::get<CommentUpdated>(batch[2]);
  const auto& c2 = std::get<CommentUpdated>(batch[4]);
  CHECK(StoredDoc(db, batch_post) ==
        ExpectedBody(batch_post, kTricky,
                     {{c1.id, c1.content, "rejected"}, {c2.id, c2.content, "rejected"}}));
}

TEST_CASE("a post with more comments than the query model stores keeps no document",
          "[integration][query]") {
  QueryModel model;
  Database& db = model.db;
  const std::string post = NewUuid();
  std::vector<AnyEvent> events = {PostCreated{post, "busy", 0}};
  for (int i = 0; i < query::kMaxStoredComments; ++i) {
    events.push_back(CommentCreated{NewUuid(), post, "c", 0});
  }
  std::vector<query::SequencedEvent> sequenced;
  for (std::size_t i = 0; i < events.size(); ++i) sequenced.push_back({&events[i], 1 + i});
  db.Transact([&](Tx& tx) { query::ApplyAll(tx, sequenced); });
  CHECK(StoredDoc(db, post).rfind(R"({"id":")", 0) == 0);
  const AnyEvent one_more = CommentCreated{NewUuid(), post, "c", 0};
  db.Transact([&](Tx& tx) { query::Apply(tx, one_more, 1000); });
  CHECK(StoredDoc(db, post) == "(null)");
}

TEST_CASE("the query migration that adds documents renders the existing posts",
          "[integration][query]") {
  test::TempDatabase pg;
  Database db(pg.url(), 2, "/test");
  const std::vector<Migration> before = {query::Migrations().front()};
  db.Migrate("query", before);
  const std::string post = NewUuid();
  const Comment c{NewUuid(), kTricky, "approved"};
  const Statement insert_post{
      "test_insert_post",
      "INSERT INTO posts (id, title, version, created_seq) VALUES ($1, $2, 0, 1)"};
  const Statement insert_comment{"test_insert_comment",
                                 "INSERT INTO comments VALUES ($1, $2, $3, 'approved', 1, 2)"};
  db.Transact([&](Tx& tx) {
    tx.Exec(insert_post, post, kTricky);
    tx.Exec(insert_comment, c.id, post, c.content);
  });
  db.Migrate("query", query::Migrations());
  CHECK(StoredDoc(db, post) == ExpectedBody(post, kTricky, {c}));
}

TEST_CASE("a post's id is where the query routes slice it, stored or rendered on read",
          "[integration][query]") {
  QueryModel model;
  Database& db = model.db;
  std::string spelled = NewUuid();  // the event may spell the id in upper case
  for (auto& c : spelled) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string stored = AsciiLower(spelled);
  const std::string busy = NewUuid();  // too many comments for a stored document
  std::vector<AnyEvent> events = {PostCreated{spelled, kTricky, 0}, PostCreated{busy, "busy", 0}};
  for (int i = 0; i <= query::kMaxStoredComments; ++i) {
    events.push_back(CommentCreated{NewUuid(), busy, "c", 0});
  }
  std::vector<query::SequencedEvent> sequenced;
  for (std::size_t i = 0; i < events.size(); ++i) sequenced.push_back({&events[i], 1 + i});
  db.Transact([&](Tx& tx) { query::ApplyAll(tx, sequenced); });
  REQUIRE(StoredDoc(db, busy) == "(null)");

  const auto one = query::ReadPost(db, stored);
  CHECK(one.body.substr(query::kDocIdOffset, query::kUuidLength) == stored);
  const auto rendered = query::ReadPost(db, busy);
  CHECK(rendered.body.substr(query::kDocIdOffset, query::kUuidLength) == busy);
  const auto list = query::ReadPostList(db, INT64_MAX, 10);
  CHECK(list.body ==
        "{\"" + busy + "\":" + rendered.body + ",\"" + stored + "\":" + one.body + "}");
  CHECK(list.etag != one.etag);
}
