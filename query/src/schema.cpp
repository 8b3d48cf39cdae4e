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

// Migration 4: each notice names what the statement changed (read_change.hpp), so that a read
// cache drops only the answers it touches: the posts written, each with its position in the
// listing (empty when not listed), at most 100 to a notice (a payload stays far below
// PostgreSQL's 8000 bytes); "*" for a TRUNCATE or more than 500 posts (a rebuild's batches).
// A comment names its post as the post stands. A statement that changes no row says nothing.
constexpr std::string_view kChangeItems = R"sql(
CREATE FUNCTION query_notify_posts(items text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  n int := coalesce(array_length(items, 1), 0);
BEGIN
  IF n > 500 THEN
    PERFORM pg_notify('blog_query_changed', '*');
    RETURN;
  END IF;
  FOR i IN 1 .. n BY 100 LOOP
    PERFORM pg_notify('blog_query_changed', array_to_string(items[i : i + 99], ','));
  END LOOP;
END $$;
CREATE FUNCTION query_post_item(id uuid, title text, created_seq bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT id::text || ' ' || CASE WHEN title IS NULL THEN '' ELSE coalesce(created_seq::text, '') END
$$;
CREATE FUNCTION query_posts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('blog_query_changed', '*');
  ELSIF TG_OP = 'INSERT' THEN
    PERFORM query_notify_posts(ARRAY(
      SELECT DISTINCT query_post_item(id, title, created_seq) FROM new_rows LIMIT 501));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM query_notify_posts(ARRAY(
      SELECT DISTINCT query_post_item(id, title, created_seq) FROM old_rows LIMIT 501));
  ELSE  -- an update may move, list or unlist a post: where it was and where it is
    PERFORM query_notify_posts(ARRAY(
      SELECT DISTINCT query_post_item(id, title, created_seq)
      FROM (SELECT id, title, created_seq FROM old_rows
            UNION ALL SELECT id, title, created_seq FROM new_rows) AS changed LIMIT 501));
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION query_comments_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('blog_query_changed', '*');
  ELSIF TG_OP = 'INSERT' THEN
    PERFORM query_notify_posts(ARRAY(
      SELECT DISTINCT query_post_item(c.post_id, p.title, p.created_seq)
      FROM new_rows AS c LEFT JOIN posts AS p ON p.id = c.post_id LIMIT 501));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM query_notify_posts(ARRAY(
      SELECT DISTINCT query_post_item(c.post_id, p.title, p.created_seq)
      FROM old_rows AS c LEFT JOIN posts AS p ON p.id = c.post_id LIMIT 501));
  ELSE
    PERFORM query_notify_posts(ARRAY(
      SELECT DISTINCT query_post_item(c.post_id, p.title, p.created_seq)
      FROM (SELECT post_id FROM old_rows UNION ALL SELECT post_id FROM new_rows) AS c
      LEFT JOIN posts AS p ON p.id = c.post_id LIMIT 501));
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER posts_changed ON posts;
DROP TRIGGER comments_changed ON comments;
DROP FUNCTION query_notify_changed();
CREATE TRIGGER posts_inserted AFTER INSERT ON posts REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION query_posts_changed();
CREATE TRIGGER posts_updated AFTER UPDATE ON posts
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION query_posts_changed();
CREATE TRIGGER posts_deleted AFTER DELETE ON posts REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION query_posts_changed();
CREATE TRIGGER posts_truncated AFTER TRUNCATE ON posts
  FOR EACH STATEMENT EXECUTE FUNCTION query_posts_changed();
CREATE TRIGGER comments_inserted AFTER INSERT ON comments REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION query_comments_changed();
CREATE TRIGGER comments_updated AFTER UPDATE ON comments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION query_comments_changed();
CREATE TRIGGER comments_deleted AFTER DELETE ON comments REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION query_comments_changed();
CREATE TRIGGER comments_truncated AFTER TRUNCATE ON comments
  FOR EACH STATEMENT EXECUTE FUNCTION query_comments_changed();
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
      {1, kTables}, {2, documents}, {3, kChangeNotices}, {4, kChangeItems}};
  return migrations;
}

}  // namespace blog::query
