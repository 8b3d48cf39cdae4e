#include "verify.hpp"

#include <pqxx/pqxx>

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

template <typename Fn>
void Query(const std::string& url, const std::string& sql, Fn&& each_row) {
  pqxx::connection conn(url);
  pqxx::read_transaction tx(conn);
  for (const auto& row : tx.exec(sql)) each_row(row);
}

}  // namespace

Snapshot LoadTruth(const std::string& posts_url, const std::string& comments_url) {
  Snapshot s;
  Query(posts_url, "SELECT id, title FROM posts",
        [&](const pqxx::row& r) { s.posts[r[0].c_str()] = {r[1].c_str()}; });
  Query(comments_url, "SELECT id, post_id, content, status FROM comments", [&](const pqxx::row& r) {
    s.comments[r[0].c_str()] = {r[1].c_str(), r[2].c_str(), r[3].c_str()};
  });
  return s;
}

Snapshot LoadReadModel(const std::string& query_url) {
  Snapshot s;
  Query(query_url, "SELECT id, title FROM posts WHERE title IS NOT NULL",
        [&](const pqxx::row& r) { s.posts[r[0].c_str()] = {r[1].c_str()}; });
  Query(query_url, "SELECT id, post_id, content, status FROM comments", [&](const pqxx::row& r) {
    s.comments[r[0].c_str()] = {r[1].c_str(), r[2].c_str(), r[3].c_str()};
  });
  return s;
}

}  // namespace blog::verify
