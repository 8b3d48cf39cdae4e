// What GET /posts and GET /posts/{id} read: the stored documents (post_doc.hpp), one prepared
// statement per request, outside any transaction, no JSON built per request. Each answer comes
// with its ETag, a hash of its bytes, and the scope of the read model it depends on
// (read_change.hpp), for the read cache.
#pragma once

#include <cstdint>
#include <string>

#include "common/database.hpp"

#include "read_cache.hpp"

namespace blog::query {

inline constexpr std::int64_t kMaxPage = 1000;  // GET /posts?limit=

// Gives `db`'s reads the session settings these statements are written for.
void UseReadSettings(Database& db);

// {id: document, ...}, `limit` posts newest first from before `cursor` (a created_seq); when
// more follow, `next_cursor` is the cursor of the next page. Its scope: the listing from its
// last post (from the first post ever, when it is the last page) up to `cursor`.
CachedRead ReadPostList(Database& db, std::int64_t cursor, std::int64_t limit);

// The post's document as stored, `id` in lower case; NotFoundError when there is none.
CachedRead ReadPost(Database& db, const std::string& id);

}  // namespace blog::query
