#include "posts.hpp"

namespace blog::posts {

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, R"sql(
CREATE TABLE posts (
  seq        bigserial UNIQUE,
  id         uuid PRIMARY KEY,
  title      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
)sql"},
  };
  return migrations;
}

}  // namespace blog::posts
