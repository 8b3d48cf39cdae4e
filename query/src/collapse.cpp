#include "collapse.hpp"

#include <algorithm>
#include <variant>

namespace blog::query {
namespace {

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

}  // namespace

std::size_t IdHash::operator()(std::string_view id) const {
  std::size_t h = 14695981039346656037ULL;
  for (const char c : id) h = (h ^ static_cast<unsigned char>(c | 0x20)) * 1099511628211ULL;
  return h;
}

bool IdEqual::operator()(std::string_view a, std::string_view b) const {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;  // exact for hex digits and '-'
  }
  return true;
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

}  // namespace blog::query
