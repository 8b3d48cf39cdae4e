#include "routes.hpp"

#include <memory>
#include <string>

#include "common/ascii.hpp"
#include "common/metrics.hpp"

#include "change_watch.hpp"
#include "post_doc.hpp"
#include "post_reads.hpp"
#include "read_cache.hpp"

namespace blog::query {
namespace {

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

// What the routes share: their pool, the cache and the watch that keeps the cache honest.
class Reads {
 public:
  Reads(const std::string& database_url, int read_pool, std::size_t cache_bytes)
      : db_(database_url, read_pool, "/query"), cache_(cache_bytes) {
    UseReadSettings(db_);
    if (cache_bytes > 0) watch_ = std::make_unique<ChangeWatch>(database_url, cache_);
  }

  // {id: {id, title, comments: [...]}, ...} newest first; X-Next-Cursor pages further (pass
  // it back as ?cursor=).
  HttpResponse List(const HttpRequest& request) {
    const auto limit = QueryInt(request, "limit", 100, 1, kMaxPage);
    const auto cursor = QueryInt(request, "cursor", INT64_MAX, 1, INT64_MAX);
    const std::string key = "list " + std::to_string(cursor) + " " + std::to_string(limit);
    return Respond(request,
                   *cache_.FindOrRead(key, [&] { return ReadPostList(db_, cursor, limit); }));
  }

  HttpResponse One(const HttpRequest& request) {
    const std::string& id = PostIdParam(request);
    const std::string stored_id = AsciiLower(id);
    auto read = cache_.FindOrRead(stored_id, [&] { return ReadPost(db_, stored_id); });
    if (id == stored_id) return Respond(request, *read);
    // The response echoes the id as the request spelled it.
    CachedRead echoed = *read;
    echoed.body.replace(kDocIdOffset, kUuidLength, id);
    return Respond(request, echoed);
  }

  ReadCache& Cache() { return cache_; }

 private:
  Database db_;
  ReadCache cache_;
  std::unique_ptr<ChangeWatch> watch_;  // after cache_: stops before the cache goes
};

void CollectCacheMetrics(const std::weak_ptr<Reads>& weak) {
  const auto reads = weak.lock();
  if (!reads) return;
  const auto stats = reads->Cache().Snapshot();
  auto& m = Metrics::Global();
  m.Set("blog_query_cache_hits_total", {}, static_cast<double>(stats.hits));
  m.Set("blog_query_cache_misses_total", {}, static_cast<double>(stats.misses));
  m.Set("blog_query_cache_shared_total", {}, static_cast<double>(stats.shared));
  m.Set("blog_query_cache_invalidations_total", {}, static_cast<double>(stats.invalidations));
  m.Set("blog_query_cache_evictions_total", {}, static_cast<double>(stats.evictions));
  m.Set("blog_query_cache_entries", {}, static_cast<double>(stats.entries));
  m.Set("blog_query_cache_bytes", {}, static_cast<double>(stats.bytes));
}

}  // namespace

void AddRoutes(Service& service, std::size_t cache_bytes, int read_pool) {
  auto reads =
      std::make_shared<Reads>(service.Config().database_url, read_pool, cache_bytes);
  auto& m = Metrics::Global();
  m.Describe("blog_query_cache_hits_total", "counter", "Reads answered from the read cache.");
  m.Describe("blog_query_cache_misses_total", "counter", "Reads that went to PostgreSQL.");
  m.Describe("blog_query_cache_shared_total", "counter",
             "Reads answered by another request's read of the same answer.");
  m.Describe("blog_query_cache_invalidations_total", "counter",
             "Read model changes the read cache was told of.");
  m.Describe("blog_query_cache_evictions_total", "counter",
             "Cached answers dropped because a change touched them.");
  m.Describe("blog_query_cache_entries", "gauge", "Answers in the read cache.");
  m.Describe("blog_query_cache_bytes", "gauge", "Approximate size of the read cache.");
  m.AddCollector([weak = std::weak_ptr<Reads>(reads)] { CollectCacheMetrics(weak); });
  service.Routes().Add("GET", "/posts", [reads](const HttpRequest& r) { return reads->List(r); });
  service.Routes().Add("GET", "/posts/{id}",
                       [reads](const HttpRequest& r) { return reads->One(r); });
}

}  // namespace blog::query
