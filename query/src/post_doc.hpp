// The JSON document of one post as GET /posts/{id} returns it, rendered by PostgreSQL:
//   {"id":"<uuid>","title":"…","comments":[{"id":"…","content":"…","status":"…"},…]}
// comments oldest first (by created_seq). Strings are escaped by query_json_string (migration 2)
// exactly as the service's JSON writer (RapidJSON) escapes them, so the bytes, and therefore the
// ETag, are the same as when the service built the body itself.
//
// The projection stores the document in posts.doc whenever a post or one of its comments
// changes, so that a read is one indexed lookup. A post with more than kMaxStoredComments
// comments keeps doc NULL (rewriting a large document on every comment would cost more than
// rendering it on read), as do placeholders and rows written by other tools; readers render
// those on the fly with PostDocSql(…, kUncapped).
#pragma once

#include <string>
#include <string_view>

namespace blog::query {

inline constexpr int kMaxStoredComments = 100;

// Every document starts with kDocIdPrefix and then the post's id as PostgreSQL prints a uuid (36
// characters, lower case), so readers take a post's id from a document by position.
inline constexpr std::string_view kDocIdPrefix = R"({"id":")";
inline constexpr std::size_t kDocIdOffset = kDocIdPrefix.size();
inline constexpr std::size_t kUuidLength = 36;

enum class DocLimit { kCapped, kUncapped };

// An SQL expression (text) for the document of post `id_sql` (a uuid expression) titled
// `title_sql` (a text expression). kCapped: NULL when the post has more than kMaxStoredComments
// comments (reads at most that many + 1 rows); kUncapped: always the whole document.
std::string PostDocSql(std::string_view id_sql, std::string_view title_sql, DocLimit limit);

}  // namespace blog::query
