#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/ids.hpp"
#include "common/json.hpp"

#include "query.hpp"

namespace blog::query {
namespace {

struct CommentRow {
  std::string id;
  std::string content;
  std::string status;
};

// Comments of `post_ids`, each post's oldest first.
std::map<std::string, std::vector<CommentRow>> LoadComments(pqxx::work& sql,
                                                            const std::vector<std::string>& ids) {
  std::map<std::string, std::vector<CommentRow>> out;
  if (ids.empty()) return out;
  std::string array = "{";
  for (const auto& id : ids) array += (array.size() > 1 ? "," : "") + id;
  array += "}";
  const auto rows = sql.exec_params(
      "SELECT post_id, id, content, status FROM comments WHERE post_id = ANY($1::uuid[]) "
      "ORDER BY post_id, created_seq",
      array);
  for (const auto& row : rows) {
    out[row[0].c_str()].push_back({row[1].c_str(), row[2].c_str(), row[3].c_str()});
  }
  return out;
}

void WritePost(JsonWriter& w, const std::string& id, const std::string& title,
               const std::vector<CommentRow>* comments) {
  w.StartObject().Key("id").String(id).Key("title").String(title).Key("comments").StartArray();
  if (comments != nullptr) {
    for (const auto& c : *comments) {
      w.StartObject()
          .Key("id")
          .String(c.id)
          .Key("content")
          .String(c.content)
          .Key("status")
          .String(c.status)
          .EndObject();
    }
  }
  w.EndArray().EndObject();
}

// Pollers (the web page asks every second) get 304 without a body when nothing changed.
HttpResponse WithETag(const HttpRequest& request, HttpResponse response) {
  const std::string etag = "\"" + std::to_string(std::hash<std::string>{}(response.body)) + "\"";
  if (request.Header("if-none-match") == etag) {
    response.status = 304;
    response.body.clear();
    response.content_type.clear();
  }
  response.headers.emplace_back("ETag", etag);
  return response;
}

// {id: {id, title, comments: [...]}, ...} newest first; X-Next-Cursor pages further
// (pass it back as ?cursor=).
HttpResponse ListPosts(Database& db, const HttpRequest& request) {
  const auto limit = QueryInt(request, "limit", 100, 1, 1000);
  const auto cursor = QueryInt(request, "cursor", INT64_MAX, 1, INT64_MAX);
  JsonWriter w;
  std::string next;
  db.Transact([&](Tx& tx) {
    auto& sql = tx.Sql();
    const auto rows = sql.exec_params(
        "SELECT id, title, created_seq FROM posts WHERE title IS NOT NULL AND created_seq < $1 "
        "ORDER BY created_seq DESC LIMIT $2",
        cursor, limit + 1);
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < rows.size() && static_cast<std::int64_t>(i) < limit; ++i) {
      ids.emplace_back(rows[i][0].c_str());
    }
    if (static_cast<std::int64_t>(rows.size()) > limit) {
      next = rows[static_cast<std::size_t>(limit) - 1][2].c_str();
    }
    const auto comments = LoadComments(sql, ids);
    w.StartObject();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const auto it = comments.find(ids[i]);
      w.Key(ids[i]);
      WritePost(w, ids[i], rows[i][1].c_str(), it == comments.end() ? nullptr : &it->second);
    }
    w.EndObject();
  });
  auto response = WithETag(request, HttpResponse::Json(200, w.Take()));
  if (!next.empty()) response.headers.emplace_back("X-Next-Cursor", next);
  return response;
}

HttpResponse GetPost(Database& db, const HttpRequest& request) {
  const std::string& id = request.params.at(0);
  if (!IsUuid(id)) throw NotFoundError("post " + id + " not found");
  std::string body;
  db.Transact([&](Tx& tx) {
    const auto rows =
        tx.Sql().exec_params("SELECT title FROM posts WHERE id = $1 AND title IS NOT NULL", id);
    if (rows.empty()) return;
    const auto comments = LoadComments(tx.Sql(), {id});
    const auto it = comments.find(id);
    JsonWriter w;
    WritePost(w, id, rows[0][0].c_str(), it == comments.end() ? nullptr : &it->second);
    body = w.Take();
  });
  if (body.empty()) throw NotFoundError("post " + id + " not found");
  return WithETag(request, HttpResponse::Json(200, std::move(body)));
}

}  // namespace

void AddRoutes(Service& service) {
  Database& db = service.db();
  service.routes().Add("GET", "/posts", [&db](const HttpRequest& r) { return ListPosts(db, r); });
  service.routes().Add("GET", "/posts/{id}",
                       [&db](const HttpRequest& r) { return GetPost(db, r); });
}

}  // namespace blog::query
