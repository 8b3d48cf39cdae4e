#include <string>

#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"

#include "comments.hpp"

namespace blog::comments {
namespace {

// Adds a comment if its post is known, with its CommentCreated (parameters $6..$9), and returns
// the post's comments, the new one included (the statement's snapshot does not show it, so it
// is appended from RETURNING); no rows when the post is unknown. One round trip.
const Statement kAddComment{
    "comments_add",
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
        " UNION ALL SELECT seq, id, content, status FROM inserted) AS list ORDER BY seq"};

// The post's comments oldest first, or no row at all when the post is unknown (a known post
// without comments gives one row of NULLs).
const Statement kListComments{
    "comments_list",
    "SELECT c.id, c.content, c.status FROM known_posts p"
    " LEFT JOIN comments c ON c.post_id = p.id WHERE p.id = $1 ORDER BY c.seq"};

// Rows (id, content, status) as the course's array [{id, content, status}]; rows without an id
// are skipped.
std::string CommentList(const Rows& rows) {
  JsonWriter w;
  w.StartArray();
  for (const Row& row : rows) {
    const auto id = row.Get<std::optional<std::string_view>>("id");
    if (!id) continue;
    w.StartObject()
        .Key("id")
        .String(*id)
        .Key("content")
        .String(row.Get<std::string_view>("content"))
        .Key("status")
        .String(row.Get<std::string_view>("status"))
        .EndObject();
  }
  w.EndArray();
  return w.Take();
}

HttpResponse AddComment(Database& db, PostArrivals& arrivals, std::chrono::milliseconds post_wait,
                        const HttpRequest& request) {
  const std::string& post_id = PostIdParam(request);
  const auto body = JsonObject::Parse(request.body);
  const CommentCreated comment{
      .id = NewUuid(), .post_id = post_id, .content = body.String("content", 1, kMaxContentChars)};
  const auto deadline = std::chrono::steady_clock::now() + post_wait;
  for (;;) {
    const Rows rows =
        db.ExecWithEvent(kAddComment, comment, comment.id, comment.post_id, comment.content,
                         ToString(CommentStatus::kPending), comment.version);
    if (!rows.empty()) return HttpResponse::Json(201, CommentList(rows));
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw PostNotFound(post_id);
    // Re-check at least every 50 ms: another replica may be the one that learns the post.
    arrivals.Wait(std::min(left, std::chrono::milliseconds(50)));
  }
}

HttpResponse ListComments(Database& db, const HttpRequest& request) {
  const std::string& post_id = PostIdParam(request);
  const Rows rows = db.Read(kListComments, post_id);
  if (rows.empty()) throw PostNotFound(post_id);
  return HttpResponse::Json(200, CommentList(rows));
}

}  // namespace

void AddRoutes(Service& service, PostArrivals& arrivals, std::chrono::milliseconds post_wait) {
  Database& db = service.Db();
  service.Routes().Add("POST", "/posts/{id}/comments",
                       service.Idempotent([&db, &arrivals, post_wait](const HttpRequest& r) {
                         return AddComment(db, arrivals, post_wait, r);
                       }));
  service.Routes().Add("GET", "/posts/{id}/comments",
                       [&db](const HttpRequest& r) { return ListComments(db, r); });
}

}  // namespace blog::comments
