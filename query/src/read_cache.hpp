// Answers of the read routes, kept in memory until the read model changes, so that a repeated
// read costs no round trip to PostgreSQL.
//
// Correctness rests on two rules. Any commit to the read model, by any replica or tool, ends in
// Invalidate (ChangeWatch, change_watch.hpp, turns PostgreSQL's notification into the call).
// A reader takes Generation() before it queries the database and hands it to Store (FindOrRead
// does both): an answer read before an invalidation that has already happened is refused, so a
// stale answer is never kept. While changes cannot be observed (no notification connection) the
// cache is inactive: Find finds nothing and Store keeps nothing. Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace blog::query {

// One answer as the route sends it.
struct CachedRead {
  std::string body;
  std::string etag;         // quoted, as the ETag header carries it
  std::string next_cursor;  // X-Next-Cursor of a listing page; empty for none
};

class ReadCache {
 public:
  // Keeps at most `capacity_bytes` of answers (keys and bodies), dropping the least recently
  // used first; 0 keeps nothing. Starts inactive.
  explicit ReadCache(std::size_t capacity_bytes);

  std::shared_ptr<const CachedRead> Find(const std::string& key);

  // The answer under `key`, or else `read()`'s, kept for the next request. The generation is
  // taken BEFORE `read` queries the database, so that its answer is refused by Store when the
  // read model changed meanwhile.
  template <typename Read>
  std::shared_ptr<const CachedRead> FindOrRead(const std::string& key, Read&& read) {
    if (auto hit = Find(key)) return hit;
    const std::uint64_t generation = Generation();
    auto fresh = std::make_shared<const CachedRead>(read());
    Store(key, fresh, generation);
    return fresh;
  }

  std::uint64_t Generation() const { return generation_.load(std::memory_order_acquire); }
  // Keeps `value` under `key` unless the cache was invalidated (or made inactive) after
  // `generation` was read, or the value alone exceeds the capacity.
  void Store(const std::string& key, std::shared_ptr<const CachedRead> value,
             std::uint64_t generation);
  // The read model changed: every answer is dropped.
  void Invalidate();
  // Inactive while changes may go unseen; both switches drop every answer.
  void SetActive(bool active);

  struct Stats {
    std::uint64_t hits, misses, invalidations;
    std::size_t entries, bytes;
  };
  Stats Snapshot();

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const CachedRead> value;
    std::size_t bytes;
  };
  void ClearLocked();  // caller holds mutex_

  const std::size_t capacity_;
  std::atomic<std::uint64_t> generation_{0};
  std::mutex mutex_;
  bool active_ = false;
  std::list<Entry> recent_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  std::size_t bytes_ = 0;
  std::uint64_t hits_ = 0, misses_ = 0, invalidations_ = 0;
};

}  // namespace blog::query
