#include "read_cache.hpp"

#include <utility>

namespace blog::query {
namespace {

// What an entry costs besides its strings: list and hash nodes, the shared block.
constexpr std::size_t kEntryOverhead = 160;

std::size_t Size(const std::string& key, const CachedRead& value) {
  return kEntryOverhead + 2 * key.size() + value.body.size() + value.etag.size() +
         value.next_cursor.size();
}

}  // namespace

ReadCache::ReadCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

std::shared_ptr<const CachedRead> ReadCache::Find(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto found = index_.find(key);
  if (found == index_.end()) {
    if (active_) ++misses_;
    return nullptr;
  }
  ++hits_;
  recent_.splice(recent_.begin(), recent_, found->second);
  return found->second->value;
}

void ReadCache::Store(const std::string& key, std::shared_ptr<const CachedRead> value,
                      std::uint64_t generation) {
  const std::size_t bytes = Size(key, *value);
  if (bytes > capacity_) return;
  std::lock_guard lock(mutex_);
  // Invalidate and SetActive change the generation under this mutex, so the check holds until
  // the entry is in.
  if (!active_ || generation != generation_.load(std::memory_order_relaxed)) return;
  if (const auto old = index_.find(key); old != index_.end()) {
    bytes_ -= old->second->bytes;
    recent_.erase(old->second);
    index_.erase(old);
  }
  while (bytes_ + bytes > capacity_ && !recent_.empty()) {
    bytes_ -= recent_.back().bytes;
    index_.erase(recent_.back().key);
    recent_.pop_back();
  }
  recent_.push_front({key, std::move(value), bytes});
  index_.emplace(key, recent_.begin());
  bytes_ += bytes;
}

void ReadCache::Invalidate() {
  std::lock_guard lock(mutex_);
  ++invalidations_;
  ClearLocked();
}

void ReadCache::SetActive(bool active) {
  std::lock_guard lock(mutex_);
  active_ = active;
  ClearLocked();
}

ReadCache::Stats ReadCache::Snapshot() {
  std::lock_guard lock(mutex_);
  return {hits_, misses_, invalidations_, index_.size(), bytes_};
}

void ReadCache::ClearLocked() {
  generation_.fetch_add(1, std::memory_order_release);
  index_.clear();
  recent_.clear();
  bytes_ = 0;
}

}  // namespace blog::query
