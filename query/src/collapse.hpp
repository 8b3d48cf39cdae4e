// The first step of the set-based projection (projection.cpp): a batch of events collapsed in
// memory to one row per post and per comment, merged exactly as the per-event rules merge with
// the stored rows (newest version wins, ties keep the first; a comment keeps its earliest
// sequence and first post). Those rules are associative, so merging the collapsed rows in one
// statement leaves what applying each event in turn would; and each statement then touches an
// entity once, as a multi-row ON CONFLICT DO UPDATE must.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "projection.hpp"

namespace blog::query {

// Fields point into the events of the batch.
struct PostRow {
  std::string_view id;
  std::string_view title;
  std::int64_t version;
  std::int64_t seq;
};

struct CommentRow {
  std::string_view id;
  std::string_view post_id;
  std::string_view content;
  std::string_view status;
  std::int64_t version;
  std::int64_t seq;
};

// One row per entity, in order of first appearance.
struct Collapsed {
  std::vector<PostRow> posts;
  std::vector<bool> post_has_comments;  // rendered after the comments, not at the upsert
  std::vector<CommentRow> comments;
  std::vector<std::string_view> placeholder_posts;  // comments' posts not among `posts`, once
};

Collapsed Collapse(const std::vector<SequencedEvent>& events);

// Entity ids (UUIDs, any letter case) to row numbers: a UUID's case does not make another id.
struct IdHash {
  std::size_t operator()(std::string_view id) const;
};
struct IdEqual {
  bool operator()(std::string_view a, std::string_view b) const;
};
using IdIndex = std::unordered_map<std::string_view, std::size_t, IdHash, IdEqual>;

}  // namespace blog::query
