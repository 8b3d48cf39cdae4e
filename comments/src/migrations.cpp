#include "comments.hpp"

namespace blog::comments {

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, R"sql(
CREATE TABLE known_posts (
  id uuid PRIMARY KEY
);
CREATE TABLE comments (
  seq        bigserial UNIQUE,
  id         uuid PRIMARY KEY,
  post_id    uuid NOT NULL,
  content    text NOT NULL,
  status     text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  version    bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_by_post ON comments (post_id, seq);
)sql"},
  };
  return migrations;
}

}  // namespace blog::comments
