// The projection, set-based: a batch of events becomes at most three statements whatever its
// size, so the live listener (one event) and the rebuild (thousands) share one code path.
//
// Every statement merges with the stored row exactly as the per-event rules do (newest version
// wins, ties keep the first; a comment keeps its earliest sequence and first post), and those
// rules are associative, so the batch is first collapsed in C++ to one row per entity (a
// multi-row ON CONFLICT DO UPDATE may not touch a row twice) and then merged in one go.
#include <algorithm>
#include <unordered_map>

#include "common/ids.hpp"

#include "pg_array.hpp"
#include "post_doc.hpp"
#include "query.hpp"

namespace blog::query {
namespace {

constexpr int kPostLockSpace = 72'2001;  // first key of the posts' advisory locks
constexpr int kLockBuckets = 1024;

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

// Entity ids (UUIDs, any letter case) to row numbers; the views point into the events.
struct IdHash {
  std::size_t operator()(std::string_view id) const {
    std::size_t h = 14695981039346656037ULL;
    for (const char c : id) h = (h ^ static_cast<unsigned char>(c | 0x20)) * 1099511628211ULL;
    return h;
  }
};
struct IdEqual {
  bool operator()(std::string_view a, std::string_view b) const {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if ((a[i] | 0x20) != (b[i] | 0x20)) return false;  // exact for hex digits and '-'
    }
    return true;
  }
};
using IdIndex = std::unordered_map<std::string_view, std::size_t, IdHash, IdEqual>;

// One row per entity, in order of first appearance, merged as the per-event rules would.
struct Collapsed {
  std::vector<PostRow> posts;
  std::vector<bool> post_has_comments;  // rendered after the comments, not at the upsert
  std::vector<CommentRow> comments;
  std::vector<std::string_view> placeholder_posts;  // comments' posts not among `posts`, once
};

template <typename Row>
Row* Slot(IdIndex& index, std::vector<Row>& rows, std::string_view id) {
  const auto [it, fresh] = index.try_emplace(id, rows.size());
  return fresh ? nullptr : &rows[it->second];
}

void AddComment(std::vector<CommentRow>& comments, IdIndex& index, const CommentRow& row) {
  CommentRow* stored = Slot(index, comments, row.id);
  if (stored == nullptr) {
    comments.push_back(row);
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
  IdIndex post_index;
  IdIndex comment_index;
  IdIndex commented_posts;
  post_index.reserve(events.size());
  comment_index.reserve(events.size());
  commented_posts.reserve(events.size());
  const auto add_comment = [&](const auto& c, CommentStatus status, std::int64_t seq) {
    commented_posts.try_emplace(c.post_id, 0);
    AddComment(out.comments, comment_index,
               {c.id, c.post_id, c.content, ToString(status), c.version, seq});
  };
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
      add_comment(*c, CommentStatus::kPending, seq);  // a new comment is pending
    } else if (const auto* u = std::get_if<CommentUpdated>(event)) {
      add_comment(*u, u->status, seq);
    }
    // CommentModerated is the comments service's business; the read model ignores it.
  }
  for (const auto& p : out.posts) out.post_has_comments.push_back(commented_posts.count(p.id) > 0);
  for (const auto& [post_id, unused] : commented_posts) {
    // A post upserted in this batch exists already: no placeholder needed.
    if (post_index.count(post_id) == 0) out.placeholder_posts.push_back(post_id);
  }
  return out;
}

std::string UpsertPostsSql() {
  return "INSERT INTO posts AS p (id, title, version, created_seq, doc) "
         "SELECT u.id, u.title, u.version, u.seq, CASE WHEN u.render THEN " +
         PostDocSql("u.id", "u.title", DocLimit::kCapped) +
         " END FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::boolean[]) "
         "AS u(id, title, version, seq, render) "
         // A placeholder takes the post's fields; otherwise only a newer version replaces them.
         "ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, version = EXCLUDED.version, "
         "created_seq = EXCLUDED.created_seq, doc = EXCLUDED.doc "
         "WHERE p.title IS NULL OR p.version < EXCLUDED.version";
}

// Takes the advisory locks of the posts in the uuid[] parameter `ids_param` (see LockPosts);
// yields one row.
std::string LockSql(std::string_view ids_param) {
  return "SELECT count(pg_advisory_xact_lock(" + std::to_string(kPostLockSpace) +
         ", b)) AS n FROM (SELECT DISTINCT abs(hashtext(id::text) % " +
         std::to_string(kLockBuckets) + ") AS b FROM unnest(" + std::string(ids_param) +
         "::uuid[]) AS id ORDER BY b) AS buckets";
}

std::string UpsertCommentsSql() {
  return
      // The locks come first (the WHERE's InitPlan runs before any row is inserted), so the
      // render statement that follows sees every comment of these posts committed by others.
      "WITH locked AS (" + LockSql("$3") +
      "), "
      // A comment may arrive before its post: a placeholder post (no title, not listed) holds
      // it.
      "placeholders AS (INSERT INTO posts (id) SELECT unnest($1::uuid[]) "
      "ON CONFLICT (id) DO NOTHING) "
      "INSERT INTO comments AS c (id, post_id, content, status, version, created_seq) "
      "SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::bigint[], "
      "$7::bigint[]) AS u WHERE (SELECT n FROM locked) >= 0 "
      // Content and status follow the newest version; the position is the earliest event
      // seen (CommentCreated), whatever order the events arrive in.
      "ON CONFLICT (id) DO UPDATE SET "
      "content = CASE WHEN c.version < EXCLUDED.version THEN EXCLUDED.content ELSE c.content "
      "END, "
      "status = CASE WHEN c.version < EXCLUDED.version THEN EXCLUDED.status ELSE c.status END, "
      "version = GREATEST(c.version, EXCLUDED.version), "
      "created_seq = LEAST(c.created_seq, EXCLUDED.created_seq) "
      "RETURNING c.post_id";
}

std::string RenderPostsSql() {
  return "UPDATE posts AS p SET doc = " + PostDocSql("p.id", "p.title", DocLimit::kCapped) +
         " WHERE p.id = ANY($1::uuid[]) AND p.title IS NOT NULL";
}

// The projection's statements, registered by PrepareProjection.
constexpr const char* kUpsertPosts = "query_upsert_posts";
constexpr const char* kUpsertComments = "query_upsert_comments";
constexpr const char* kLockPosts = "query_lock_posts";
constexpr const char* kRenderPosts = "query_render_posts";

void UpsertPosts(pqxx::work& sql, const Collapsed& batch) {
  PgArray ids, titles, versions, seqs, render;
  for (std::size_t i = 0; i < batch.posts.size(); ++i) {
    const auto& p = batch.posts[i];
    ids.Add(p.id);
    titles.Add(p.title);
    versions.Add(p.version);
    seqs.Add(p.seq);
    render.Add(batch.post_has_comments[i] ? "f" : "t");
  }
  sql.exec_prepared(kUpsertPosts, ids.Take(), titles.Take(), versions.Take(), seqs.Take(),
                    render.Take());
}

// Returns the posts to render: those whose comments changed, and those upserted without.
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
  const auto changed =
      sql.exec_prepared(kUpsertComments, placeholders.Take(), ids.Take(), post_ids.Take(),
                        contents.Take(), statuses.Take(), versions.Take(), seqs.Take());
  IdIndex posts;
  posts.reserve(changed.size() + batch.posts.size());
  for (const auto& row : changed) posts.try_emplace(row[0].c_str(), 0);
  for (std::size_t i = 0; i < batch.posts.size(); ++i) {
    if (batch.post_has_comments[i]) posts.try_emplace(batch.posts[i].id, 0);
  }
  PgArray render;
  for (const auto& [id, unused] : posts) render.Add(id);
  return render.Take();
}

// Serializes the transactions that render the same post: each renders from a snapshot taken
// after this, so it sees every comment committed by the others (without the lock, two comments
// of one post applied at once by two listeners would each render the post without the other's).
// Posts share kLockBuckets advisory locks, taken in order (no deadlock among them), so that a
// batch of thousands of posts holds a bounded number of locks.
void LockPosts(pqxx::work& sql, const Collapsed& batch) {
  PgArray ids;
  for (const auto& p : batch.posts) ids.Add(p.id);
  for (const auto& c : batch.comments) ids.Add(c.post_id);
  sql.exec_prepared(kLockPosts, ids.Take());
}

}  // namespace

void PrepareProjection(Database& db) {
  db.Prepare(kUpsertPosts, UpsertPostsSql());
  db.Prepare(kUpsertComments, UpsertCommentsSql());
  db.Prepare(kLockPosts, LockSql("$1"));
  db.Prepare(kRenderPosts, RenderPostsSql());
}

void ApplyAll(pqxx::work& sql, const std::vector<SequencedEvent>& events) {
  const Collapsed batch = Collapse(events);
  if (!batch.posts.empty()) {
    // Its own statement: the upsert renders, so its snapshot must come after the locks.
    LockPosts(sql, batch);
    UpsertPosts(sql, batch);
  }
  if (batch.comments.empty()) return;
  sql.exec_prepared(kRenderPosts, UpsertComments(sql, batch));
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
