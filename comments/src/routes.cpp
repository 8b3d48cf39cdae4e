#include <optional>
#include <string>

#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"

#include "comments.hpp"

namespace blog::comments {
namespace {

constexpr const char* kPostKnown = "comments_post_known";
constexpr const char* kAddComment = "comments_add";
constexpr const char* kListComments = "comments_list";

// Adds a comment if its post is known, with its CommentCreated (parameters $6..$9), and returns
// the post's comments, the new one included (the statement's snapshot does not show it, so it
// is appended from RETURNING); no rows when the post is unknown. One round trip.
const std::string kAddCommentSql =
    "WITH inserted AS ("
    " INSERT INTO comments (id, post_id, content, status, version)"
    " SELECT $1::uuid, $2::uuid, $3::text, $4::text, $5::bigint"
    " WHERE EXISTS (SELECT 1 FROM known_posts WHERE id = $2::uuid)"
    " RETURNING seq, id, content, status),"
    " outbox AS (" +
    Database::OutboxInsertSql(6, "EXISTS (SELECT 1 FROM inserted)") +
    ") SELECT id, content, status FROM ("
    " SELECT seq, id, content, status FROM comments"
    " WHERE post_id = $2::uuid AND EXISTS (SELECT 1 FROM inserted)"
    " UNION ALL SELECT seq, id, content, status FROM inserted) AS list ORDER BY seq";

bool PostKnown(pqxx::work& sql, const std::string& post_id) {
  return !sql.exec_prepared(kPostKnown, post_id).empty();
}

// Rows (id, content, status) as the course's array [{id, content, status}].
std::string CommentList(const pqxx::result& rows) {
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
    const auto rows =
        db.ExecWithEvent(kAddComment,
                         {comment.id, comment.post_id, comment.content,
                          std::string(ToString(comment.status)), std::to_string(comment.version)},
                         comment);
    if (!rows.empty()) return HttpResponse::Json(201, CommentList(rows));
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
    if (PostKnown(tx.Sql(), post_id))
      list = CommentList(tx.Sql().exec_prepared(kListComments, post_id));
  });
  if (!list) throw NotFoundError("post " + post_id + " not found");
  return HttpResponse::Json(200, std::move(*list));
}

}  // namespace

void AddRoutes(Service& service, PostArrivals& arrivals, std::chrono::milliseconds post_wait) {
  Database& db = service.db();
  db.Prepare(kPostKnown, "SELECT 1 FROM known_posts WHERE id = $1");
  db.Prepare(kAddComment, kAddCommentSql);
  db.Prepare(kListComments,
             "SELECT id, content, status FROM comments WHERE post_id = $1 ORDER BY seq");
  service.routes().Add("POST", "/posts/{id}/comments",
                       service.Idempotent([&db, &arrivals, post_wait](const HttpRequest& r) {
                         return AddComment(db, arrivals, post_wait, r);
                       }));
  service.routes().Add("GET", "/posts/{id}/comments",
                       [&db](const HttpRequest& r) { return ListComments(db, r); });
}

}  // namespace blog::comments
