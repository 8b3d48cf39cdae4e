#include "schema.hpp"

#include "post_doc.hpp"

namespace blog::query {
namespace {

constexpr std::string_view kTables = R"sql(
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
)sql";

// Pre-rendered documents (post_doc.hpp). query_json_string escapes a string as RapidJSON does:
// to_json differs only in writing the rare control characters in lower-case hex (\u001f), so
// those take the exact, slower path. STABLE like to_json, so that PostgreSQL inlines it (an
// IMMUTABLE wrapper around a STABLE function is called instead: 4x slower).
constexpr std::string_view kDocuments = R"sql(
CREATE FUNCTION query_json_string_exact(s text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  escaped text := replace(replace(s, '\', '\\'), '"', '\"');
BEGIN
  escaped := replace(replace(replace(replace(replace(escaped,
    chr(8), '\b'), chr(9), '\t'), chr(10), '\n'), chr(12), '\f'), chr(13), '\r');
  FOR c IN 1..31 LOOP
    escaped := replace(escaped, chr(c), '\u' || upper(lpad(to_hex(c), 4, '0')));
  END LOOP;
  RETURN '"' || escaped || '"';
END $$;
CREATE FUNCTION query_json_string(s text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN s ~ '[\x01-\x07\x0b\x0e-\x1f]' THEN query_json_string_exact(s)
              ELSE to_json(s)::text END
$$;
-- The post's JSON document; NULL: render on read (placeholder, many comments, bulk-loaded).
ALTER TABLE posts ADD COLUMN doc text;
)sql";

// Every statement that writes the read model notifies the replicas' read caches
// (change_watch.hpp); notifications of one transaction fold into one, sent at commit.
constexpr std::string_view kChangeNotices = R"sql(
CREATE FUNCTION query_notify_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('blog_query_changed', '');
  RETURN NULL;
END $$;
CREATE TRIGGER posts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON posts
  FOR EACH STATEMENT EXECUTE FUNCTION query_notify_changed();
CREATE TRIGGER comments_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON comments
  FOR EACH STATEMENT EXECUTE FUNCTION query_notify_changed();
)sql";

std::string DocumentsMigration() {
  return std::string(kDocuments) +
         "UPDATE posts AS p SET doc = " + PostDocSql("p.id", "p.title", DocLimit::kCapped) +
         " WHERE p.title IS NOT NULL;\n";
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::string documents = DocumentsMigration();
  static const std::vector<Migration> migrations = {
      {1, kTables}, {2, documents}, {3, kChangeNotices}};
  return migrations;
}

}  // namespace blog::query
