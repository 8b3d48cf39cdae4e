#include <string>

#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"

#include "posts.hpp"

namespace blog::posts {
namespace {

const Statement kInsertPost =
    Database::WithEvent("posts_insert", "INSERT INTO posts (id, title) VALUES ($1, $2)", 2);
// Newest first, from before the cursor $1; $2 rows.
const Statement kListPosts{
    "posts_list", "SELECT seq, id, title FROM posts WHERE seq < $1 ORDER BY seq DESC LIMIT $2"};
const Statement kGetPost{"posts_get", "SELECT title FROM posts WHERE id = $1"};

void WritePost(JsonWriter& w, std::string_view id, std::string_view title) {
  w.StartObject().Key("id").String(id).Key("title").String(title).EndObject();
}

HttpResponse CreatePost(Database& db, const HttpRequest& request) {
  const auto body = JsonObject::Parse(request.body);
  const PostCreated post{.id = NewUuid(), .title = body.String("title", 1, kMaxTitleChars)};
  db.ExecWithEvent(kInsertPost, post, post.id, post.title);
  JsonWriter w;
  WritePost(w, post.id, post.title);
  return HttpResponse::Json(201, w.Take());
}

// Newest first, as an object keyed by id (the course's shape); X-Next-Cursor pages further.
HttpResponse ListPosts(Database& db, const HttpRequest& request) {
  const auto limit = QueryInt(request, "limit", 100, 1, 1000);
  const auto cursor = QueryInt(request, "cursor", INT64_MAX, 1, INT64_MAX);
  const Rows rows = db.Read(kListPosts, cursor, limit + 1);
  const auto shown = std::min(rows.size(), static_cast<std::size_t>(limit));
  JsonWriter w;
  w.StartObject();
  for (std::size_t i = 0; i < shown; ++i) {
    const auto id = rows[i].Get<std::string_view>("id");
    w.Key(id);
    WritePost(w, id, rows[i].Get<std::string_view>("title"));
  }
  w.EndObject();
  auto response = HttpResponse::Json(200, w.Take());
  if (rows.size() > shown) {
    response.headers.emplace_back("X-Next-Cursor", rows[shown - 1].Get<std::string>("seq"));
  }
  return response;
}

HttpResponse GetPost(Database& db, const HttpRequest& request) {
  const std::string& id = PostIdParam(request);
  const Rows rows = db.Read(kGetPost, id);
  if (rows.empty()) throw PostNotFound(id);
  JsonWriter w;
  WritePost(w, id, rows[0].Get<std::string_view>("title"));
  return HttpResponse::Json(200, w.Take());
}

}  // namespace

void AddRoutes(Service& service) {
  Database& db = service.Db();
  auto& routes = service.Routes();
  const auto create = service.Idempotent([&db](const HttpRequest& r) { return CreatePost(db, r); });
  routes.Add("POST", "/posts", create);
  routes.Add("POST", "/posts/create", create);
  routes.Add("GET", "/posts", [&db](const HttpRequest& r) { return ListPosts(db, r); });
  routes.Add("GET", "/posts/{id}", [&db](const HttpRequest& r) { return GetPost(db, r); });
}

}  // namespace blog::posts
