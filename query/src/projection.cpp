#include "query.hpp"

namespace blog::query {

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, R"sql(
CREATE TABLE posts (
  id          uuid PRIMARY KEY,
  title       text,             -- NULL: placeholder, the post's own event has not arrived yet
  version     bigint NOT NULL DEFAULT -1,
  created_seq bigint            -- stream sequence of PostCreated: the listing order
);
CREATE INDEX posts_newest_first ON posts (created_seq DESC) WHERE title IS NOT NULL;
CREATE TABLE comments (
  id          uuid PRIMARY KEY,
  post_id     uuid NOT NULL,
  content     text NOT NULL,
  status      text NOT NULL,
  version     bigint NOT NULL,
  created_seq bigint NOT NULL
);
CREATE INDEX comments_by_post ON comments (post_id, created_seq);
)sql"},
  };
  return migrations;
}

namespace {

void ApplyPost(pqxx::work& sql, const PostCreated& e, std::uint64_t seq) {
  sql.exec_params(
      "INSERT INTO posts (id, title, version, created_seq) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, version = EXCLUDED.version, "
      "created_seq = EXCLUDED.created_seq "
      "WHERE posts.title IS NULL OR posts.version < EXCLUDED.version",
      e.id, e.title, e.version, static_cast<std::int64_t>(seq));
}

void ApplyComment(pqxx::work& sql, const std::string& id, const std::string& post_id,
                  const std::string& content, CommentStatus status, std::int64_t version,
                  std::uint64_t seq) {
  sql.exec_params("INSERT INTO posts (id) VALUES ($1) ON CONFLICT (id) DO NOTHING", post_id);
  sql.exec_params(
      "INSERT INTO comments (id, post_id, content, status, version, created_seq) "
      "VALUES ($1, $2, $3, $4, $5, $6) "
      // Content and status follow the newest version; the position is the earliest event
      // seen (CommentCreated), whatever order the events arrive in.
      "ON CONFLICT (id) DO UPDATE SET "
      "content = CASE WHEN comments.version < EXCLUDED.version THEN EXCLUDED.content "
      "ELSE comments.content END, "
      "status = CASE WHEN comments.version < EXCLUDED.version THEN EXCLUDED.status "
      "ELSE comments.status END, "
      "version = GREATEST(comments.version, EXCLUDED.version), "
      "created_seq = LEAST(comments.created_seq, EXCLUDED.created_seq)",
      id, post_id, content, std::string(ToString(status)), version, static_cast<std::int64_t>(seq));
}

}  // namespace

void Apply(pqxx::work& sql, const AnyEvent& event, std::uint64_t sequence) {
  if (const auto* post = std::get_if<PostCreated>(&event)) {
    ApplyPost(sql, *post, sequence);
  } else if (const auto* created = std::get_if<CommentCreated>(&event)) {
    ApplyComment(sql, created->id, created->post_id, created->content, created->status,
                 created->version, sequence);
  } else if (const auto* updated = std::get_if<CommentUpdated>(&event)) {
    ApplyComment(sql, updated->id, updated->post_id, updated->content, updated->status,
                 updated->version, sequence);
  }
  // CommentModerated is the comments service's business; the read model ignores it.
}

}  // namespace blog::query
