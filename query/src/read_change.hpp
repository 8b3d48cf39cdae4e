// What a cached answer depends on, and what a commit to the read model changed: the two sides
// of the read cache's fine-grained invalidation (read_cache.hpp).
//
// An answer depends on one post (GET /posts/{id}) or on a stretch of the listing (a page of
// GET /posts: the posts whose position, created_seq, lies in [oldest, before)). A commit names
// the posts it touched with their positions before and after it, or "everything" (a TRUNCATE,
// a statement too large to list, a notice that cannot be read).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace blog::query {

struct ReadScope {
  // One post's answer; `post_id` in lower case, as PostgreSQL spells a uuid.
  static ReadScope Post(std::string post_id);
  // A page of the listing: posts at positions in [oldest, before). A page that reaches the end
  // of the listing starts at kFirstPosition: any post added before `before` changes it.
  static ReadScope Listing(std::int64_t oldest, std::int64_t before);
  static constexpr std::int64_t kFirstPosition = std::numeric_limits<std::int64_t>::min();

  std::string post_id;  // empty: a stretch of the listing
  std::int64_t oldest = 0;
  std::int64_t before = 0;
};

struct ReadModelChange {
  bool everything = false;
  std::vector<std::string> post_ids;    // lower case
  std::vector<std::int64_t> positions;  // of those posts that are (or were) listed

  // True when an answer of `scope` may differ after this change.
  bool Touches(const ReadScope& scope) const;
};

// The change a notice on the change channel describes (see the triggers of the query schema):
// "*" for everything, else items "<post id> <position>" separated by commas, the position empty
// for a post that is not listed. Anything else (the empty notice of older triggers included)
// reads as everything: a notice is never ignored.
ReadModelChange ParseChangeNotice(std::string_view notice);

}  // namespace blog::query
