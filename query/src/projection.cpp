// The projection, set-based: a batch of events becomes at most three statements whatever its
// size, so the live listener (one event) and the rebuild (thousands) share one code path.
//
// Every statement merges with the stored row exactly as the per-event rules do (newest version
// wins, ties keep the first; a comment keeps its earliest sequence and first post), and those
// rules are associative, so the batch is first collapsed in C++ to one row per entity (a
// multi-row ON CONFLICT DO UPDATE may not touch a row twice) and then merged in one go.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "common/ids.hpp"

#include "pg_array.hpp"
#include "post_doc.hpp"
#include "query.hpp"

namespace blog::query {
namespace {

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

// One row per entity, in order of first appearance, merged as the per-event rules would.
struct Collapsed {
  std::vector<PostRow> posts;
  std::vector<CommentRow> comments;
  std::vector<std::string_view> placeholder_posts;  // every comment's post, once
};

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

template <typename Row>
Row* Slot(std::unordered_map<std::string, std::size_t>& index, std::vector<Row>& rows,
          std::string_view id) {
  const auto [it, fresh] = index.try_emplace(Lower(id), rows.size());
  return fresh ? nullptr : &rows[it->second];
}

void AddComment(Collapsed& out, std::unordered_map<std::string, std::size_t>& index,
                std::unordered_set<std::string>& posts, const CommentRow& row) {
  if (posts.insert(Lower(row.post_id)).second) out.placeholder_posts.push_back(row.post_id);
  CommentRow* stored = Slot(index, out.comments, row.id);
  if (stored == nullptr) {
    out.comments.push_back(row);
    return;
  }
  if (stored->version < row.version) {
    stored->content = row.content;
    stored->status = row.status;
    stored->version = row.version;
  }
  stored->seq = std::min(stored->seq, row.seq);
}

Collapsed Collapse(const std::vector<SequencedEvent>& events) {
  Collapsed out;
  std::unordered_map<std::string, std::size_t> post_index;
  std::unordered_map<std::string, std::size_t> comment_index;
  std::unordered_set<std::string> placeholder_index;
  for (const auto& [event, sequence] : events) {
    const auto seq = static_cast<std::int64_t>(sequence);
    if (const auto* p = std::get_if<PostCreated>(event)) {
      PostRow* stored = Slot(post_index, out.posts, p->id);
      if (stored == nullptr) {
        out.posts.push_back({p->id, p->title, p->version, seq});
      } else if (stored->version < p->version) {
        *stored = {p->id, p->title, p->version, seq};
      }
    } else if (const auto* c = std::get_if<CommentCreated>(event)) {
      AddComment(out, comment_index, placeholder_index,
                 {c->id, c->post_id, c->content, ToString(c->status), c->version, seq});
    } else if (const auto* u = std::get_if<CommentUpdated>(event)) {
      AddComment(out, comment_index, placeholder_index,
                 {u->id, u->post_id, u->content, ToString(u->status), u->version, seq});
    }
    // CommentModerated is the comments service's business; the read model ignores it.
  }
  return out;
}

const std::string& UpsertPostsSql() {
  static const std::string sql =
      "INSERT INTO posts AS p (id, title, version, created_seq, doc) "
      "SELECT u.id, u.title, u.version, u.seq, " +
      PostDocSql("u.id", "u.title", DocLimit::kCapped) +
      " FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[]) AS u(id, title, version, "
      "seq) "
      // A placeholder takes the post's fields; otherwise only a newer version replaces them.
      "ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, version = EXCLUDED.version, "
      "created_seq = EXCLUDED.created_seq, doc = EXCLUDED.doc "
      "WHERE p.title IS NULL OR p.version < EXCLUDED.version";
  return sql;
}

constexpr std::string_view kUpsertCommentsSql =
    // A comment may arrive before its post: a placeholder post (no title, not listed) holds it.
    "WITH placeholders AS (INSERT INTO posts (id) SELECT unnest($1::uuid[]) "
    "ON CONFLICT (id) DO NOTHING) "
    "INSERT INTO comments AS c (id, post_id, content, status, version, created_seq) "
    "SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::bigint[], "
    "$7::bigint[]) "
    // Content and status follow the newest version; the position is the earliest event
    // seen (CommentCreated), whatever order the events arrive in.
    "ON CONFLICT (id) DO UPDATE SET "
    "content = CASE WHEN c.version < EXCLUDED.version THEN EXCLUDED.content ELSE c.content END, "
    "status = CASE WHEN c.version < EXCLUDED.version THEN EXCLUDED.status ELSE c.status END, "
    "version = GREATEST(c.version, EXCLUDED.version), "
    "created_seq = LEAST(c.created_seq, EXCLUDED.created_seq) "
    "RETURNING c.post_id";

const std::string& RenderPostsSql() {
  static const std::string sql = "UPDATE posts AS p SET doc = " +
                                 PostDocSql("p.id", "p.title", DocLimit::kCapped) +
                                 " WHERE p.id = ANY($1::uuid[]) AND p.title IS NOT NULL";
  return sql;
}

// Runs `sql_text` as a statement prepared once per connection (libpqxx registers it with the
// server on first use; redefining it with the same text is a no-op).
template <typename... Args>
pqxx::result Exec(pqxx::work& sql, const std::string& name, const std::string& sql_text,
                  Args&&... args) {
  sql.conn().prepare(name, sql_text);
  return sql.exec_prepared(name, std::forward<Args>(args)...);
}

void UpsertPosts(pqxx::work& sql, const std::vector<PostRow>& posts) {
  PgArray ids, titles, versions, seqs;
  for (const auto& p : posts) {
    ids.Add(p.id);
    titles.Add(p.title);
    versions.Add(p.version);
    seqs.Add(p.seq);
  }
  Exec(sql, "query_upsert_posts", UpsertPostsSql(), ids.Take(), titles.Take(), versions.Take(),
       seqs.Take());
}

// Returns the posts whose comments changed.
std::string UpsertComments(pqxx::work& sql, const Collapsed& batch) {
  PgArray placeholders, ids, post_ids, contents, statuses, versions, seqs;
  for (const auto& id : batch.placeholder_posts) placeholders.Add(id);
  for (const auto& c : batch.comments) {
    ids.Add(c.id);
    post_ids.Add(c.post_id);
    contents.Add(c.content);
    statuses.Add(c.status);
    versions.Add(c.version);
    seqs.Add(c.seq);
  }
  static const std::string upsert(kUpsertCommentsSql);
  const auto changed =
      Exec(sql, "query_upsert_comments", upsert, placeholders.Take(), ids.Take(), post_ids.Take(),
           contents.Take(), statuses.Take(), versions.Take(), seqs.Take());
  std::unordered_set<std::string_view> seen;
  PgArray posts;
  for (const auto& row : changed) {
    const std::string_view id = row[0].c_str();
    if (seen.insert(id).second) posts.Add(id);
  }
  return posts.Take();
}

}  // namespace

void ApplyAll(pqxx::work& sql, const std::vector<SequencedEvent>& events) {
  const Collapsed batch = Collapse(events);
  if (!batch.posts.empty()) UpsertPosts(sql, batch.posts);
  if (batch.comments.empty()) return;
  Exec(sql, "query_render_posts", RenderPostsSql(), UpsertComments(sql, batch));
}

bool HasValidIds(const AnyEvent& event) {
  return std::visit(
      [](const auto& e) {
        if constexpr (requires { e.post_id; }) {
          return IsUuid(e.id) && IsUuid(e.post_id);
        } else {
          return IsUuid(e.id);
        }
      },
      event);
}

void Apply(pqxx::work& sql, const AnyEvent& event, std::uint64_t sequence) {
  ApplyAll(sql, {{&event, sequence}});
}

}  // namespace blog::query
