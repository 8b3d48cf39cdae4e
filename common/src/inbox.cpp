#include "common/inbox.hpp"

#include <algorithm>
#include <unordered_set>

#include "statements.hpp"

namespace blog {

std::vector<bool> RecordInInbox(Tx& tx, std::string_view consumer,
                                std::span<const std::string_view> event_ids) {
  // Sorted, so that a large batch walks the inbox's index in order rather than at random.
  std::vector<std::string_view> sorted(event_ids.begin(), event_ids.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  SqlArray ids;
  for (const auto id : sorted) ids.Add(id);
  const Rows inserted = tx.Exec(statement::kInboxInsert, ids.Take(), consumer);
  std::unordered_set<std::string_view> fresh;
  fresh.reserve(inserted.size());
  for (const Row& row : inserted) fresh.insert(row.Get<std::string_view>("event_id"));
  std::vector<bool> out(event_ids.size());
  for (std::size_t i = 0; i < event_ids.size(); ++i) {
    out[i] = fresh.erase(event_ids[i]) > 0;  // a later copy of the same id is a duplicate
  }
  return out;
}

void ClearInbox(Tx& tx) { tx.ExecScript("TRUNCATE blog_inbox"); }

}  // namespace blog
