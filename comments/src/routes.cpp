#include <optional>
#include <string>

#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"

#include "comments.hpp"

namespace blog::comments {
namespace {

constexpr const char* kPostKnown = "comments_post_known";
constexpr const char* kInsertIfPostKnown = "comments_insert_if_post_known";
constexpr const char* kListComments = "comments_list";

bool PostKnown(pqxx::work& sql, const std::string& post_id) {
  return !sql.exec_prepared(kPostKnown, post_id).empty();
}

// The post's comments as the course's array [{id, content, status}], oldest first.
std::string CommentList(pqxx::work& sql, const std::string& post_id) {
  const auto rows = sql.exec_prepared(kListComments, post_id);
  JsonWriter w;
  w.StartArray();
  for (const auto& row : rows) {
    w.StartObject()
        .Key("id")
        .String(row[0].c_str())
        .Key("content")
        .String(row[1].c_str())
        .Key("status")
        .String(row[2].c_str())
        .EndObject();
  }
  w.EndArray();
  return w.Take();
}

HttpResponse AddComment(Database& db, PostArrivals& arrivals, std::chrono::milliseconds post_wait,
                        const HttpRequest& request) {
  const std::string& post_id = request.params.at(0);
  if (!IsUuid(post_id)) throw NotFoundError("post " + post_id + " not found");
  const auto body = JsonObject::Parse(request.body);
  const CommentCreated comment{
      .id = NewUuid(), .post_id = post_id, .content = body.String("content", 1, kMaxContentChars)};
  const auto deadline = std::chrono::steady_clock::now() + post_wait;
  for (;;) {
    std::optional<std::string> list;
    db.Transact([&](Tx& tx) {
      auto& sql = tx.Sql();
      // The check for the post and the insert in one statement: no row inserted = post unknown.
      const auto inserted =
          sql.exec_prepared(kInsertIfPostKnown, comment.id, comment.post_id, comment.content,
                            std::string(ToString(comment.status)), comment.version);
      if (inserted.affected_rows() == 0) return;
      tx.Publish(comment);
      list = CommentList(sql, post_id);
    });
    if (list) return HttpResponse::Json(201, std::move(*list));
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw NotFoundError("post " + post_id + " not found");
    // Re-check at least every 50 ms: another replica may be the one that learns the post.
    arrivals.Wait(std::min(left, std::chrono::milliseconds(50)));
  }
}

HttpResponse ListComments(Database& db, const HttpRequest& request) {
  const std::string& post_id = request.params.at(0);
  if (!IsUuid(post_id)) throw NotFoundError("post " + post_id + " not found");
  std::optional<std::string> list;
  db.Transact([&](Tx& tx) {
    if (PostKnown(tx.Sql(), post_id)) list = CommentList(tx.Sql(), post_id);
  });
  if (!list) throw NotFoundError("post " + post_id + " not found");
  return HttpResponse::Json(200, std::move(*list));
}

}  // namespace

void AddRoutes(Service& service, PostArrivals& arrivals, std::chrono::milliseconds post_wait) {
  Database& db = service.db();
  db.Prepare(kPostKnown, "SELECT 1 FROM known_posts WHERE id = $1");
  db.Prepare(kInsertIfPostKnown,
             "INSERT INTO comments (id, post_id, content, status, version) "
             "SELECT $1::uuid, $2::uuid, $3::text, $4::text, $5::bigint "
             "WHERE EXISTS (SELECT 1 FROM known_posts WHERE id = $2::uuid)");
  db.Prepare(kListComments,
             "SELECT id, content, status FROM comments WHERE post_id = $1 ORDER BY seq");
  service.routes().Add("POST", "/posts/{id}/comments",
                       [&db, &arrivals, post_wait](const HttpRequest& r) {
                         return AddComment(db, arrivals, post_wait, r);
                       });
  service.routes().Add("GET", "/posts/{id}/comments",
                       [&db](const HttpRequest& r) { return ListComments(db, r); });
}

}  // namespace blog::comments
