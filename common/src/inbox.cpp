#include "common/inbox.hpp"

#include <algorithm>
#include <unordered_set>

#include "statements.hpp"

namespace blog {

namespace {

// The ids as one array, sorted so that a large batch walks the inbox's index in order rather
// than at random. Repeated ids are kept when `keep_repeats` (they then make a plain insertion
// fail, as a duplicate should).
std::string SortedArray(std::span<const std::string_view> event_ids, bool keep_repeats) {
  std::vector<std::string_view> sorted(event_ids.begin(), event_ids.end());
  std::sort(sorted.begin(), sorted.end());
  if (!keep_repeats) sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  SqlArray ids;
  for (const auto id : sorted) ids.Add(id);
  return ids.Take();
}

}  // namespace

void RecordNewInInbox(Tx& tx, std::string_view consumer,
                      std::span<const std::string_view> event_ids) {
  tx.ExecWithNext(statement::kInboxInsertNew, SortedArray(event_ids, true), consumer);
}

bool IsInboxDuplicate(const SqlError& error) {
  return error.Sqlstate() == "23505" &&
         std::string_view(error.what()).find(statement::kInboxKey) != std::string_view::npos;
}

std::vector<bool> RecordInInbox(Tx& tx, std::string_view consumer,
                                std::span<const std::string_view> event_ids) {
  const Rows inserted =
      tx.Exec(statement::kInboxInsert, SortedArray(event_ids, false), consumer);
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
