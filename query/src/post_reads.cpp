#include "post_reads.hpp"

#include <algorithm>
#include <functional>
#include <string_view>
#include <vector>

#include "common/http.hpp"

#include "post_doc.hpp"

namespace blog::query {
namespace {

// A stored document, or the post rendered now when it has none.
std::string DocOrRenderSql() {
  return "coalesce(p.doc, " + PostDocSql("p.id", "p.title", DocLimit::kUncapped) + ") AS doc";
}

// Newest first, from before the cursor $1; $2 rows. The inner constant LIMIT (the largest page
// + 1) keeps the generic plan on the index: with only LIMIT $2 PostgreSQL assumes a tenth of a
// large table and sorts a sequential scan.
const Statement kListPosts{
    "query_list_posts",
    "SELECT " + DocOrRenderSql() +
        ", p.created_seq FROM (SELECT id, title, doc, created_seq FROM posts "
        "WHERE title IS NOT NULL AND created_seq < $1 ORDER BY created_seq DESC LIMIT " +
        std::to_string(kMaxPage + 1) + ") AS p ORDER BY p.created_seq DESC LIMIT $2"};

const Statement kGetPost{
    "query_get_post",
    "SELECT " + DocOrRenderSql() + " FROM posts p WHERE p.id = $1 AND p.title IS NOT NULL"};

std::string ETagOf(const std::string& body) {
  return "\"" + std::to_string(std::hash<std::string>{}(body)) + "\"";
}

}  // namespace

void UseReadSettings(Database& db) {
  // Generic plans: with custom ones (PostgreSQL's choice for the listing's LIMIT $2) every
  // request re-plans and re-inlines the JSON functions, a third of its CPU. No JIT: compiling
  // costs milliseconds, these statements run in microseconds.
  db.SetReadSettings({{"jit", "off"}, {"plan_cache_mode", "force_generic_plan"}});
}

CachedRead ReadPostList(Database& db, std::int64_t cursor, std::int64_t limit) {
  const Rows rows = db.Read(kListPosts, cursor, limit + 1);
  const auto shown = std::min(rows.size(), static_cast<std::size_t>(limit));
  std::vector<std::string_view> docs;
  docs.reserve(shown);
  std::size_t size = 2;
  for (std::size_t i = 0; i < shown; ++i) {
    docs.push_back(rows[i].Get<std::string_view>("doc"));
    size += kUuidLength + docs.back().size() + 4;
  }
  CachedRead read;
  std::string& body = read.body;
  body.reserve(size);
  body += '{';
  for (const auto doc : docs) {
    if (body.size() > 1) body += ',';
    body += '"';
    body.append(doc.substr(kDocIdOffset, kUuidLength));  // the key: the document's own id
    body += "\":";
    body.append(doc);
  }
  body += '}';
  read.etag = ETagOf(body);
  // The page covers the positions from its last post's, when more posts follow, up to the
  // cursor; a page that reaches the end of the listing changes with any post added before it.
  std::int64_t oldest = ReadScope::kFirstPosition;
  if (rows.size() > shown) {
    read.next_cursor = rows[shown - 1].Get<std::string>("created_seq");
    oldest = rows[shown - 1].Get<std::int64_t>("created_seq");
  }
  read.scope = ReadScope::Listing(oldest, cursor);
  return read;
}

CachedRead ReadPost(Database& db, const std::string& id) {
  const Rows rows = db.Read(kGetPost, id);
  if (rows.empty()) throw PostNotFound(id);
  CachedRead read;
  read.body.assign(rows[0].Get<std::string_view>("doc"));
  read.etag = ETagOf(read.body);
  read.scope = ReadScope::Post(id);
  return read;
}

}  // namespace blog::query
