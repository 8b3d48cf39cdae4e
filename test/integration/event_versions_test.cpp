// Event evolution against a real stream: CommentCreated v1 (stored before v2, with `status`) and
// v2 side by side are applied by both consumers of CommentCreated, and a query rebuild from the
// first event gives the read model the live listeners built.
#include <algorithm>
#include <sstream>

#include <catch2/catch.hpp>

#include "common/codec.hpp"
#include "common/dead_letter.hpp"
#include "common/ids.hpp"

#include "harness.hpp"
#include "moderation.hpp"
#include "query_listeners.hpp"
#include "rebuild.hpp"
#include "schema.hpp"

using namespace blog;
using namespace std::chrono_literals;
using test::Eventually;

namespace {

// CommentCreated as the comments service stored it before v2: no dataschema (read as v1), and a
// `status` that v2 dropped.
std::string StoredV1(const std::string& comment, const std::string& post,
                     const std::string& content) {
  return R"({"specversion":"1.0","id":")" + NewUuid() +
         R"(","source":"/comments","type":"CommentCreated","time":"2026-01-01T12:00:00.000Z",)"
         R"("datacontenttype":"application/json","data":{"id":")" +
         comment + R"(","postId":")" + post + R"(","content":")" + content +
         R"(","status":"pending","version":0}})";
}

std::string Current(const AnyEvent& event) {
  return EncodeEvent(event, {NewUuid(), "/test", NowRfc3339()});
}

struct Message {
  std::string_view subject;
  std::string body;
};

// A post with three comments: one stored as v1 without dataschema, one as v1 naming its schema,
// one as v2; then moderation decided two of them. `v1` false stores all three as v2.
std::vector<Message> History(const std::vector<std::string>& ids, bool v1) {
  const std::string& post = ids[0];
  const auto created = [&](const std::string& id, const std::string& content, bool old) {
    if (!old)
      return Message{CommentCreated::kSubject, Current(CommentCreated{id, post, content, 0})};
    return Message{CommentCreated::kSubject, StoredV1(id, post, content)};
  };
  std::string named_v1 = StoredV1(ids[2], post, "named v1");
  named_v1.replace(named_v1.find(R"(,"time")"), 0,
                   R"(,"dataschema":"https://blog.example/schemas/CommentCreated/v1.json")");
  return {
      {PostCreated::kSubject, Current(PostCreated{post, "Versions", 0})},
      created(ids[1], "stored v1", v1),
      v1 ? Message{CommentCreated::kSubject, named_v1} : created(ids[2], "named v1", false),
      created(ids[3], "v2", false),
      {CommentUpdated::kSubject,
       Current(CommentUpdated{ids[1], post, "stored v1", CommentStatus::kApproved, 1, {}})},
      {CommentUpdated::kSubject,
       Current(CommentUpdated{ids[3], post, "v2", CommentStatus::kRejected, 1, "orange"})},
  };
}

struct Node : test::Servers {
  ListenerContext context{
      "svc", nats, db,
      ListenerSettings{
          .ack_wait = 5s, .max_deliver = 3, .retry_base = 50ms, .retry_max = 200ms, .batch = 64},
      false};

  Node(const std::vector<Migration>& migrations, const std::string& component)
      : Servers("versions", component, migrations) {}

  void Publish(const std::vector<Message>& messages) {
    for (const auto& m : messages) {
      nats.Publish(m.subject, m.body, {{std::string(kMsgIdHeader), NewUuid()}});
    }
  }

  std::string ReadModel() {
    return Rows("SELECT id, title, version, created_seq, doc FROM posts ORDER BY id") +
           Rows(
               "SELECT id, post_id, content, status, version, created_seq FROM comments "
               "ORDER BY id");
  }
};

std::vector<std::string> Ids() {
  // Sorted, so that the read model lists the comments in the order of the History.
  std::vector<std::string> ids = {NewUuid(), NewUuid(), NewUuid(), NewUuid()};
  std::sort(ids.begin() + 1, ids.end());
  return ids;
}

// The query read model after its live listeners applied `messages`.
std::string LiveQueryModel(Node& node, const std::vector<Message>& messages) {
  const test::QueryListeners listeners(node.context);
  node.Publish(messages);
  REQUIRE(Eventually([&] {
    return node.Count("SELECT count(*) FROM blog_inbox") == static_cast<int>(messages.size());
  }));
  return node.ReadModel();
}

}  // namespace

TEST_CASE("stored v1 and new v2 CommentCreated events both reach the query read model",
          "[integration][versions]") {
  const auto ids = Ids();
  Node node(query::Migrations(), "query");
  const std::string model = LiveQueryModel(node, History(ids, true));
  INFO(model);
  CHECK(model.find(ids[1] + "|" + ids[0] + "|stored v1|approved|1|") != std::string::npos);
  CHECK(model.find(ids[2] + "|" + ids[0] + "|named v1|pending|0|") != std::string::npos);
  CHECK(model.find(ids[3] + "|" + ids[0] + "|v2|rejected|1|") != std::string::npos);
  CHECK(model.find(R"("content":"named v1","status":"pending")") != std::string::npos);
}

TEST_CASE(
    "a query rebuild over v1 and v2 events gives the read model the listeners built, as v2 "
    "alone would",
    "[integration][versions]") {
  const auto ids = Ids();
  Node mixed(query::Migrations(), "query");
  const std::string live = LiveQueryModel(mixed, History(ids, true));
  std::ostringstream progress;
  CHECK(query::Rebuild(mixed.db, mixed.nats, progress) == 6);
  CHECK(progress.str().find("rebuild: done") != std::string::npos);
  CHECK(mixed.ReadModel() == live);

  // The same history published as v2 only: the upcaster left nothing for the v1 events to differ.
  Node current(query::Migrations(), "query");
  CHECK(LiveQueryModel(current, History(ids, false)) == live);
}

TEST_CASE("moderation decides a stored v1 comment like a v2 one", "[integration][versions]") {
  const auto ids = Ids();
  Node node(moderation::Migrations(), "moderation");
  moderation::CommentCreatedListener listener(node.context, {"orange"});
  listener.Start();
  const std::string post = ids[0];
  node.Publish({{CommentCreated::kSubject, StoredV1(ids[1], post, "I like oranges")},
                {CommentCreated::kSubject, Current(CommentCreated{ids[2], post, "apples", 0})}});
  REQUIRE(Eventually([&] { return node.Count("SELECT count(*) FROM blog_inbox") == 2; }));
  CHECK(node.Rows("SELECT comment_id, status FROM decisions ORDER BY comment_id") ==
        ids[1] + "|rejected|\n" + ids[2] + "|approved|\n");
  CHECK(node.Count("SELECT count(*) FROM blog_outbox WHERE subject = 'blog.comment.moderated'") ==
        2);
}
