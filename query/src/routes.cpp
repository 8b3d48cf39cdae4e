// The read routes serve the documents the projection keeps in posts.doc (post_doc.hpp): one
// prepared statement outside any transaction, no JSON built per request.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.hpp"

#include "post_doc.hpp"
#include "query.hpp"

namespace blog::query {
namespace {

constexpr std::int64_t kMaxPage = 1000;  // GET /posts?limit=
// Where a post's document spells its id: {"id":"<uuid>",...
constexpr std::size_t kIdOffset = sizeof(R"({"id":")") - 1;
constexpr std::size_t kUuidLength = 36;

// A stored document, or the post rendered now when it has none.
std::string DocOrRenderSql() {
  return "coalesce(p.doc, " + PostDocSql("p.id", "p.title", DocLimit::kUncapped) + ")";
}

// Runs the statement `name` (prepared once per connection) alone on a pooled connection.
template <typename... Args>
pqxx::result Query(Database& db, const std::string& name, const std::string& sql, Args&&... args) {
  pqxx::result out;
  db.WithConnection([&](pqxx::connection& conn) {
    // Generic plans: with custom ones (PostgreSQL's choice for the listing's LIMIT $2) every
    // request re-plans and re-inlines the JSON functions, a third of its CPU. No JIT: compiling
    // costs milliseconds, these statements run in microseconds. Session state, set once per
    // connection (libpqxx remembers it: no round trip afterwards).
    if (conn.get_variable("plan_cache_mode") != "force_generic_plan") {
      conn.set_variable("jit", "off");
      conn.set_variable("plan_cache_mode", "force_generic_plan");
    }
    conn.prepare(name, sql);
    pqxx::nontransaction tx(conn);
    out = tx.exec_prepared(name, std::forward<Args>(args)...);
  });
  return out;
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
  // The inner constant LIMIT (the largest page + 1) keeps the generic plan on the index: with
  // only LIMIT $2 PostgreSQL assumes a tenth of a large table and sorts a sequential scan.
  static const std::string sql =
      "SELECT " + DocOrRenderSql() +
      ", p.created_seq FROM (SELECT id, title, doc, created_seq FROM posts "
      "WHERE title IS NOT NULL AND created_seq < $1 ORDER BY created_seq DESC LIMIT " +
      std::to_string(kMaxPage + 1) + ") AS p ORDER BY p.created_seq DESC LIMIT $2";
  const auto limit = QueryInt(request, "limit", 100, 1, kMaxPage);
  const auto cursor = QueryInt(request, "cursor", INT64_MAX, 1, INT64_MAX);
  const auto rows = Query(db, "query_list_posts", sql, cursor, limit + 1);
  const auto shown = std::min(rows.size(), static_cast<std::size_t>(limit));
  std::vector<std::string_view> docs;
  docs.reserve(shown);
  std::size_t size = 2;
  for (std::size_t i = 0; i < shown; ++i) {
    const pqxx::field doc = rows[i][0];
    docs.emplace_back(doc.c_str(), doc.size());
    size += kUuidLength + docs.back().size() + 4;
  }
  std::string body;
  body.reserve(size);
  body += '{';
  for (const auto doc : docs) {
    if (body.size() > 1) body += ',';
    body += '"';
    body.append(doc.substr(kIdOffset, kUuidLength));  // the key: the document's own id
    body += "\":";
    body.append(doc);
  }
  body += '}';
  auto response = WithETag(request, HttpResponse::Json(200, std::move(body)));
  if (rows.size() > shown)
    response.headers.emplace_back("X-Next-Cursor", rows[shown - 1][1].c_str());
  return response;
}

HttpResponse GetPost(Database& db, const HttpRequest& request) {
  static const std::string sql =
      "SELECT " + DocOrRenderSql() + " FROM posts p WHERE p.id = $1 AND p.title IS NOT NULL";
  const std::string& id = request.params.at(0);
  if (!IsUuid(id)) throw NotFoundError("post " + id + " not found");
  const auto rows = Query(db, "query_get_post", sql, id);
  if (rows.empty()) throw NotFoundError("post " + id + " not found");
  std::string body(rows[0][0].c_str(), rows[0][0].size());
  // The document spells the id as stored (lower case); the response echoes the request's.
  body.replace(kIdOffset, kUuidLength, id);
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
