#include <string>

#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"

#include "posts.hpp"

namespace blog::posts {
namespace {

constexpr const char* kInsertPost = "posts_insert";

void WritePost(JsonWriter& w, const std::string& id, const std::string& title) {
  w.StartObject().Key("id").String(id).Key("title").String(title).EndObject();
}

HttpResponse CreatePost(Database& db, const HttpRequest& request) {
  const auto body = JsonObject::Parse(request.body);
  const PostCreated post{.id = NewUuid(), .title = body.String("title", 1, kMaxTitleChars)};
  db.ExecWithEvent(kInsertPost, {post.id, post.title}, post);
  JsonWriter w;
  WritePost(w, post.id, post.title);
  return HttpResponse::Json(201, w.Take());
}

// Newest first, as an object keyed by id (the course's shape); X-Next-Cursor pages further.
HttpResponse ListPosts(Database& db, const HttpRequest& request) {
  const auto limit = QueryInt(request, "limit", 100, 1, 1000);
  const auto cursor = QueryInt(request, "cursor", INT64_MAX, 1, INT64_MAX);
  JsonWriter w;
  std::string next;
  db.Transact([&](Tx& tx) {
    const auto rows = tx.Sql().exec_params(
        "SELECT seq, id, title FROM posts WHERE seq < $1 ORDER BY seq DESC LIMIT $2", cursor,
        limit + 1);
    w.StartObject();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (static_cast<std::int64_t>(i) == limit) {
        next = rows[i - 1][0].c_str();
        break;
      }
      w.Key(rows[i][1].c_str());
      WritePost(w, rows[i][1].c_str(), rows[i][2].c_str());
    }
    w.EndObject();
  });
  auto response = HttpResponse::Json(200, w.Take());
  if (!next.empty()) response.headers.emplace_back("X-Next-Cursor", next);
  return response;
}

HttpResponse GetPost(Database& db, const HttpRequest& request) {
  const std::string& id = request.params.at(0);
  if (!IsUuid(id)) throw NotFoundError("post " + id + " not found");
  std::string title;
  bool found = false;
  db.Transact([&](Tx& tx) {
    const auto rows = tx.Sql().exec_params("SELECT title FROM posts WHERE id = $1", id);
    found = !rows.empty();
    if (found) title = rows[0][0].c_str();
  });
  if (!found) throw NotFoundError("post " + id + " not found");
  JsonWriter w;
  WritePost(w, id, title);
  return HttpResponse::Json(200, w.Take());
}

}  // namespace

void AddRoutes(Service& service) {
  Database& db = service.db();
  db.PrepareWithEvent(kInsertPost, "INSERT INTO posts (id, title) VALUES ($1, $2)", 2);
  auto& routes = service.routes();
  const auto create = service.Idempotent([&db](const HttpRequest& r) { return CreatePost(db, r); });
  routes.Add("POST", "/posts", create);
  routes.Add("POST", "/posts/create", create);
  routes.Add("GET", "/posts", [&db](const HttpRequest& r) { return ListPosts(db, r); });
  routes.Add("GET", "/posts/{id}", [&db](const HttpRequest& r) { return GetPost(db, r); });
}

}  // namespace blog::posts
