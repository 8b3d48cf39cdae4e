// The projection's statements. A batch is collapsed first (collapse.hpp), then merged with the
// stored rows by at most four statements, whatever its size: with posts, the lock and the posts'
// upsert; with comments, the comments' upsert and the render of their posts' documents.
#include "projection.hpp"

#include "common/ids.hpp"

#include "collapse.hpp"
#include "post_doc.hpp"

namespace blog::query {
namespace {

constexpr int kPostLockSpace = 72'2001;  // first key of the posts' advisory locks
constexpr int kLockBuckets = 1024;

// Takes the advisory locks of the posts in the uuid[] parameter `ids_param` (see LockPosts);
// yields one row.
std::string LockSql(std::string_view ids_param) {
  return "SELECT count(pg_advisory_xact_lock(" + std::to_string(kPostLockSpace) +
         ", b)) AS n FROM (SELECT DISTINCT abs(hashtext(id::text) % " +
         std::to_string(kLockBuckets) + ") AS b FROM unnest(" + std::string(ids_param) +
         "::uuid[]) AS id ORDER BY b) AS buckets";
}

// $1 post ids (uuid[]).
const Statement kLockPosts{"query_lock_posts", LockSql("$1")};

// $1 ids, $2 titles, $3 versions, $4 sequences, $5 whether to render the document now (posts
// whose comments change in the same batch are rendered after them, by kRenderPosts).
const Statement kUpsertPosts{
    "query_upsert_posts",
    "INSERT INTO posts AS p (id, title, version, created_seq, doc) "
    "SELECT u.id, u.title, u.version, u.seq, CASE WHEN u.render THEN " +
        PostDocSql("u.id", "u.title", DocLimit::kCapped) +
        " END FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::boolean[]) "
        "AS u(id, title, version, seq, render) "
        // A placeholder takes the post's fields; otherwise only a newer version replaces them.
        "ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, version = EXCLUDED.version, "
        "created_seq = EXCLUDED.created_seq, doc = EXCLUDED.doc "
        "WHERE p.title IS NULL OR p.version < EXCLUDED.version"};

// $1 placeholder post ids, then the comments: $2 ids, $3 post ids, $4 contents, $5 statuses,
// $6 versions, $7 sequences. Returns the post id of every comment it changed.
const Statement kUpsertComments{
    "query_upsert_comments",
    // The locks come first (the WHERE's InitPlan runs before any row is inserted), so the
    // render statement that follows sees every comment of these posts committed by others.
    "WITH locked AS (" + LockSql("$3") +
        "), "
        // A comment may arrive before its post: a placeholder post (no title, not listed)
        // holds it.
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
        "RETURNING c.post_id"};

// $1 post ids (uuid[]).
const Statement kRenderPosts{
    "query_render_posts",
    "UPDATE posts AS p SET doc = " + PostDocSql("p.id", "p.title", DocLimit::kCapped) +
        " WHERE p.id = ANY($1::uuid[]) AND p.title IS NOT NULL"};

// Serializes the transactions that render the same post: each renders from a snapshot taken
// after this, so it sees every comment committed by the others (without the lock, two comments
// of one post applied at once by two listeners would each render the post without the other's).
// Posts share kLockBuckets advisory locks, taken in order (no deadlock among them), so that a
// batch of thousands of posts holds a bounded number of locks.
void LockPosts(Tx& tx, const Collapsed& batch) {
  SqlArray ids;
  for (const auto& p : batch.posts) ids.Add(p.id);
  for (const auto& c : batch.comments) ids.Add(c.post_id);
  tx.Exec(kLockPosts, ids.Take());
}

void UpsertPosts(Tx& tx, const Collapsed& batch) {
  SqlArray ids, titles, versions, seqs, render;
  for (std::size_t i = 0; i < batch.posts.size(); ++i) {
    const auto& p = batch.posts[i];
    ids.Add(p.id);
    titles.Add(p.title);
    versions.Add(p.version);
    seqs.Add(p.seq);
    render.Add(batch.post_has_comments[i] ? "f" : "t");
  }
  tx.Exec(kUpsertPosts, ids.Take(), titles.Take(), versions.Take(), seqs.Take(), render.Take());
}

// Returns the posts to render: those whose comments changed, and those upserted without.
std::string UpsertComments(Tx& tx, const Collapsed& batch) {
  SqlArray placeholders, ids, post_ids, contents, statuses, versions, seqs;
  for (const auto& id : batch.placeholder_posts) placeholders.Add(id);
  for (const auto& c : batch.comments) {
    ids.Add(c.id);
    post_ids.Add(c.post_id);
    contents.Add(c.content);
    statuses.Add(c.status);
    versions.Add(c.version);
    seqs.Add(c.seq);
  }
  const Rows changed = tx.Exec(kUpsertComments, placeholders.Take(), ids.Take(), post_ids.Take(),
                               contents.Take(), statuses.Take(), versions.Take(), seqs.Take());
  IdIndex posts;
  posts.reserve(changed.size() + batch.posts.size());
  for (const Row& row : changed) posts.try_emplace(row.Get<std::string_view>("post_id"), 0);
  for (std::size_t i = 0; i < batch.posts.size(); ++i) {
    if (batch.post_has_comments[i]) posts.try_emplace(batch.posts[i].id, 0);
  }
  SqlArray render;
  for (const auto& [id, unused] : posts) render.Add(id);
  return render.Take();
}

}  // namespace

void ApplyAll(Tx& tx, const std::vector<SequencedEvent>& events) {
  const Collapsed batch = Collapse(events);
  if (!batch.posts.empty()) {
    // Its own statement: the upsert renders, so its snapshot must come after the locks.
    LockPosts(tx, batch);
    UpsertPosts(tx, batch);
  }
  if (batch.comments.empty()) return;
  tx.Exec(kRenderPosts, UpsertComments(tx, batch));
}

void Apply(Tx& tx, const AnyEvent& event, std::uint64_t sequence) {
  ApplyAll(tx, {{&event, sequence}});
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

}  // namespace blog::query
