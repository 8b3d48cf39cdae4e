#include "stats.hpp"

namespace blog::stats {

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, R"sql(
CREATE TABLE comment_status (
  comment_id uuid PRIMARY KEY,
  post_id    uuid NOT NULL,
  status     text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  version    bigint NOT NULL
);
CREATE INDEX comment_status_post ON comment_status (post_id);
)sql"},
  };
  return migrations;
}

}  // namespace blog::stats
