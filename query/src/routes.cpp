// The read routes serve the documents the projection keeps in posts.doc (post_doc.hpp): one
// prepared statement outside any transaction, no JSON built per request, and the answer kept
// in a ReadCache (read_cache.hpp) until the read model changes.
#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.hpp"
#include "common/ids.hpp"
#include "common/metrics.hpp"

#include "change_watch.hpp"
#include "post_doc.hpp"
#include "query.hpp"
#include "read_cache.hpp"

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

constexpr const char* kListPosts = "query_list_posts";
constexpr const char* kGetPost = "query_get_post";

// Newest first, from before the cursor $1; $2 rows. The inner constant LIMIT (the largest page
// + 1) keeps the generic plan on the index: with only LIMIT $2 PostgreSQL assumes a tenth of a
// large table and sorts a sequential scan.
std::string ListPostsSql() {
  return "SELECT " + DocOrRenderSql() +
         ", p.created_seq FROM (SELECT id, title, doc, created_seq FROM posts "
         "WHERE title IS NOT NULL AND created_seq < $1 ORDER BY created_seq DESC LIMIT " +
         std::to_string(kMaxPage + 1) + ") AS p ORDER BY p.created_seq DESC LIMIT $2";
}

std::string GetPostSql() {
  return "SELECT " + DocOrRenderSql() + " FROM posts p WHERE p.id = $1 AND p.title IS NOT NULL";
}

// Runs the prepared statement `name` (see Reads) alone on a pooled connection.
template <typename... Args>
pqxx::result Query(Database& db, const char* name, Args&&... args) {
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
    pqxx::nontransaction tx(conn);
    out = tx.exec_prepared(name, std::forward<Args>(args)...);
  });
  return out;
}

std::string ETagOf(const std::string& body) {
  return "\"" + std::to_string(std::hash<std::string>{}(body)) + "\"";
}

// Pollers (the web page asks every second) get 304 without a body when nothing changed.
HttpResponse Respond(const HttpRequest& request, const CachedRead& read) {
  HttpResponse response;
  if (request.Header("if-none-match") == read.etag) {
    response.status = 304;
    response.content_type.clear();
  } else {
    response = HttpResponse::Json(200, read.body);
  }
  response.headers.emplace_back("ETag", read.etag);
  if (!read.next_cursor.empty()) response.headers.emplace_back("X-Next-Cursor", read.next_cursor);
  return response;
}

// The cached answer under `key`, or `read()`'s, kept for the next request.
template <typename Read>
std::shared_ptr<const CachedRead> Cached(ReadCache& cache, const std::string& key, Read&& read) {
  if (auto hit = cache.Find(key)) return hit;
  const auto generation = cache.Generation();  // before the database is read
  auto fresh = std::make_shared<const CachedRead>(read());
  cache.Store(key, fresh, generation);
  return fresh;
}

// {id: {id, title, comments: [...]}, ...} newest first; X-Next-Cursor pages further
// (pass it back as ?cursor=).
CachedRead ListPosts(Database& db, std::int64_t cursor, std::int64_t limit) {
  const auto rows = Query(db, kListPosts, cursor, limit + 1);
  const auto shown = std::min(rows.size(), static_cast<std::size_t>(limit));
  std::vector<std::string_view> docs;
  docs.reserve(shown);
  std::size_t size = 2;
  for (std::size_t i = 0; i < shown; ++i) {
    const pqxx::field doc = rows[i][0];
    docs.emplace_back(doc.c_str(), doc.size());
    size += kUuidLength + docs.back().size() + 4;
  }
  CachedRead read;
  std::string& body = read.body;
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
  read.etag = ETagOf(body);
  if (rows.size() > shown) read.next_cursor = rows[shown - 1][1].c_str();
  return read;
}

// The post's document as stored (its id in lower case); NotFoundError when there is none.
CachedRead GetPost(Database& db, const std::string& id) {
  const auto rows = Query(db, kGetPost, id);
  if (rows.empty()) throw NotFoundError("post " + id + " not found");
  CachedRead read;
  read.body.assign(rows[0][0].c_str(), rows[0][0].size());
  read.etag = ETagOf(read.body);
  return read;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// What the routes share: the pool, the cache and the watch that keeps the cache honest.
class Reads {
 public:
  Reads(Database& db, const std::string& database_url, std::size_t cache_bytes)
      : db_(db), cache_(cache_bytes) {
    db.Prepare(kListPosts, ListPostsSql());
    db.Prepare(kGetPost, GetPostSql());
    if (cache_bytes > 0) watch_ = std::make_unique<ChangeWatch>(database_url, cache_);
  }

  HttpResponse List(const HttpRequest& request) {
    const auto limit = QueryInt(request, "limit", 100, 1, kMaxPage);
    const auto cursor = QueryInt(request, "cursor", INT64_MAX, 1, INT64_MAX);
    const std::string key = "list " + std::to_string(cursor) + " " + std::to_string(limit);
    return Respond(request, *Cached(cache_, key, [&] { return ListPosts(db_, cursor, limit); }));
  }

  HttpResponse One(const HttpRequest& request) {
    const std::string& id = request.params.at(0);
    if (!IsUuid(id)) throw NotFoundError("post " + id + " not found");
    const std::string stored_id = Lower(id);
    auto read = Cached(cache_, stored_id, [&] { return GetPost(db_, stored_id); });
    if (id == stored_id) return Respond(request, *read);
    // The response echoes the id as the request spelled it.
    CachedRead echoed = *read;
    echoed.body.replace(kIdOffset, kUuidLength, id);
    return Respond(request, echoed);
  }

  ReadCache& cache() { return cache_; }

 private:
  Database& db_;
  ReadCache cache_;
  std::unique_ptr<ChangeWatch> watch_;  // after cache_: stops before the cache goes
};

void CollectCacheMetrics(const std::weak_ptr<Reads>& weak) {
  const auto reads = weak.lock();
  if (!reads) return;
  const auto stats = reads->cache().Snapshot();
  auto& m = Metrics::Global();
  m.Set("blog_query_cache_hits_total", {}, static_cast<double>(stats.hits));
  m.Set("blog_query_cache_misses_total", {}, static_cast<double>(stats.misses));
  m.Set("blog_query_cache_invalidations_total", {}, static_cast<double>(stats.invalidations));
  m.Set("blog_query_cache_entries", {}, static_cast<double>(stats.entries));
  m.Set("blog_query_cache_bytes", {}, static_cast<double>(stats.bytes));
}

}  // namespace

void AddRoutes(Service& service) {
  const auto cache_mb = EnvInt("QUERY_CACHE_MB", 16, 0, 4096);
  auto reads = std::make_shared<Reads>(service.db(), service.config().database_url,
                                       static_cast<std::size_t>(cache_mb) << 20);
  auto& m = Metrics::Global();
  m.Describe("blog_query_cache_hits_total", "counter", "Reads answered from the read cache.");
  m.Describe("blog_query_cache_misses_total", "counter", "Reads that went to PostgreSQL.");
  m.Describe("blog_query_cache_invalidations_total", "counter",
             "Read model commits that emptied the read cache.");
  m.Describe("blog_query_cache_entries", "gauge", "Answers in the read cache.");
  m.Describe("blog_query_cache_bytes", "gauge", "Approximate size of the read cache.");
  m.AddCollector([weak = std::weak_ptr<Reads>(reads)] { CollectCacheMetrics(weak); });
  service.routes().Add("GET", "/posts", [reads](const HttpRequest& r) { return reads->List(r); });
  service.routes().Add("GET", "/posts/{id}",
                       [reads](const HttpRequest& r) { return reads->One(r); });
}

}  // namespace blog::query
