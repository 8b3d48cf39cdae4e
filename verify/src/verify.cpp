#include "verify.hpp"

#include "common/database.hpp"

namespace blog::verify {

std::vector<Difference> Compare(const Snapshot& truth, const Snapshot& model, bool require_final) {
  std::vector<Difference> out;
  for (const auto& [id, post] : truth.posts) {
    const auto it = model.posts.find(id);
    if (it == model.posts.end()) {
      out.push_back({"missing post", id, post.title});
    } else if (it->second.title != post.title) {
      out.push_back(
          {"stale post", id, "title: '" + it->second.title + "' != '" + post.title + "'"});
    }
  }
  for (const auto& [id, post] : model.posts) {
    if (!truth.posts.count(id)) out.push_back({"extra post", id, post.title});
  }
  for (const auto& [id, comment] : truth.comments) {
    if (require_final && comment.status == "pending") {
      out.push_back({"pending comment", id, "still pending in the comments service"});
    }
    const auto it = model.comments.find(id);
    if (it == model.comments.end()) {
      out.push_back({"missing comment", id, comment.content});
      continue;
    }
    const Comment& have = it->second;
    std::string detail;
    if (have.post_id != comment.post_id)
      detail += "post: " + have.post_id + " != " + comment.post_id + "; ";
    if (have.content != comment.content) detail += "content differs; ";
    if (have.status != comment.status)
      detail += "status: " + have.status + " != " + comment.status + "; ";
    if (!detail.empty()) out.push_back({"stale comment", id, detail.substr(0, detail.size() - 2)});
  }
  for (const auto& [id, comment] : model.comments) {
    if (!truth.comments.count(id)) out.push_back({"extra comment", id, comment.content});
  }
  return out;
}

namespace {

const Statement kTruthPosts{"verify_truth_posts", "SELECT id, title FROM posts"};
const Statement kModelPosts{"verify_model_posts",
                            "SELECT id, title FROM posts WHERE title IS NOT NULL"};
const Statement kComments{"verify_comments", "SELECT id, post_id, content, status FROM comments"};

void LoadPosts(Database& db, const Statement& statement, Snapshot& s) {
  for (const Row& r : db.Read(statement)) {
    s.posts[r.Get<std::string>("id")] = {r.Get<std::string>("title")};
  }
}

void LoadComments(Database& db, Snapshot& s) {
  for (const Row& r : db.Read(kComments)) {
    s.comments[r.Get<std::string>("id")] = {
        r.Get<std::string>("post_id"), r.Get<std::string>("content"), r.Get<std::string>("status")};
  }
}

}  // namespace

Snapshot LoadTruth(const std::string& posts_url, const std::string& comments_url) {
  Snapshot s;
  Database posts(posts_url, 1, "/verify");
  LoadPosts(posts, kTruthPosts, s);
  Database comments(comments_url, 1, "/verify");
  LoadComments(comments, s);
  return s;
}

Snapshot LoadReadModel(const std::string& query_url) {
  Snapshot s;
  Database query(query_url, 1, "/verify");
  LoadPosts(query, kModelPosts, s);
  LoadComments(query, s);
  return s;
}

}  // namespace blog::verify
