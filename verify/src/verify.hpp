// The convergence checker: does the query read model match the sources of truth?
//
// The posts database owns posts, the comments database owns comments and their status; the query
// database is derived from events. Compare() reports every post and comment that is missing from
// the read model, extra in it, or stale (wrong title, post, content or status).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace blog::verify {

struct Post {
  std::string title;
};

struct Comment {
  std::string post_id;
  std::string content;
  std::string status;
};

// Posts and comments keyed by id.
struct Snapshot {
  std::map<std::string, Post> posts;
  std::map<std::string, Comment> comments;
};

struct Difference {
  std::string
      kind;  // "missing post", "extra post", "stale post", same for comments, "pending comment"
  std::string id;
  std::string detail;  // what differs, e.g. "status: pending != approved"
};

// Differences of `model` against `truth`. With `require_final`, a comment still pending in the
// truth is a difference too (after the system has drained, every comment should be decided).
std::vector<Difference> Compare(const Snapshot& truth, const Snapshot& model, bool require_final);

// Loads the sources of truth from the posts and comments databases.
Snapshot LoadTruth(const std::string& posts_url, const std::string& comments_url);
// Loads the query service's read model (placeholder posts without a title are skipped).
Snapshot LoadReadModel(const std::string& query_url);

}  // namespace blog::verify
