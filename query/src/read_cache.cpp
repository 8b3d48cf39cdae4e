#include "read_cache.hpp"

#include <utility>

namespace blog::query {
namespace {

// What an entry costs besides its strings: list and hash nodes, the shared block.
constexpr std::size_t kEntryOverhead = 160;
// The changes kept for reads under way name at most this many posts; a read that began before
// the oldest forgotten change is refused (it only costs that answer a re-read).
constexpr std::size_t kMaxLoggedPosts = 1 << 16;

std::size_t Size(const std::string& key, const CachedRead& value) {
  return kEntryOverhead + 2 * key.size() + value.body.size() + value.etag.size() +
         value.next_cursor.size() + value.scope.post_id.size();
}

}  // namespace

// A request waiting for another's read of its key (FindOrRead), and what it had seen on arrival.
struct ReadCache::Waiter {
  std::uint64_t epoch;
  std::uint64_t seen;
  bool usable = false;  // set when the read lands
};

// A read of one key under way, which concurrent misses of the key wait for.
struct ReadCache::Flight {
  std::uint64_t epoch;
  std::uint64_t seen;
  bool landed = false;
  std::shared_ptr<const CachedRead> value;  // null: the read failed
  std::vector<Waiter*> waiters;
  std::condition_variable done;
};

ReadCache::ReadCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

ReadCache::~ReadCache() = default;

ReadCache::Read::~Read() {
  if (cache_ == nullptr) return;
  const std::lock_guard lock(cache_->mutex_);
  cache_->EndLocked(seen_);
}

ReadCache::Read::Read(Read&& other) noexcept
    : cache_(std::exchange(other.cache_, nullptr)), epoch_(other.epoch_), seen_(other.seen_) {}

ReadCache::Read ReadCache::Begin() {
  const std::lock_guard lock(mutex_);
  ++reading_[changes_];
  return Read(this, epoch_, changes_);
}

std::shared_ptr<const CachedRead> ReadCache::Find(const std::string& key) {
  const std::lock_guard lock(mutex_);
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
                      const Read& read) {
  if (read.cache_ != this) return;
  const std::lock_guard lock(mutex_);
  StoreLocked(key, std::move(value), read.epoch_, read.seen_);
}

void ReadCache::StoreLocked(const std::string& key, std::shared_ptr<const CachedRead> value,
                            std::uint64_t epoch, std::uint64_t seen) {
  const std::size_t bytes = Size(key, *value);
  if (bytes > capacity_ || !active_ || epoch != epoch_) return;
  if (TouchedLocked(value->scope, seen, changes_)) return;
  if (const auto old = index_.find(key); old != index_.end()) EraseLocked(old->second);
  while (bytes_ + bytes > capacity_ && !recent_.empty()) EraseLocked(std::prev(recent_.end()));
  const bool page = value->scope.post_id.empty();
  recent_.push_front({key, std::move(value), bytes});
  index_.emplace(key, recent_.begin());
  if (page) pages_.emplace(key, recent_.begin());
  bytes_ += bytes;
}

bool ReadCache::TouchedLocked(const ReadScope& scope, std::uint64_t after,
                              std::uint64_t until) const {
  if (after >= until) return false;
  if (after < forgotten_) return true;  // some of those changes are no longer known
  for (const auto& logged : log_) {
    if (logged.number <= after) continue;
    if (logged.number > until) break;
    if (logged.change.Touches(scope)) return true;
  }
  return false;
}

std::shared_ptr<const CachedRead> ReadCache::FindOrRead(const std::string& key,
                                                        const std::function<CachedRead()>& read) {
  std::unique_lock lock(mutex_);
  if (!active_) {
    lock.unlock();
    return std::make_shared<const CachedRead>(read());
  }
  // What this request must not miss: the changes signalled before it arrived.
  Waiter me{epoch_, changes_};
  for (bool joined = false;;) {
    if (const auto found = index_.find(key); found != index_.end()) {
      ++hits_;
      recent_.splice(recent_.begin(), recent_, found->second);
      return found->second->value;
    }
    const auto under_way = flights_.find(key);
    if (under_way == flights_.end() || !active_) break;
    // A read of this key began before: wait for it; a read begun after this request arrived
    // (a second wait) is always recent enough.
    const auto flight = under_way->second;
    me.usable = false;
    flight->waiters.push_back(&me);
    ++waiting_;
    flight->done.wait(lock, [&] { return flight->landed; });
    --waiting_;
    if (me.usable) {
      ++shared_;
      return flight->value;
    }
    if (joined) break;  // the read it waited for failed: read alone rather than queue again
    joined = true;
  }
  if (!active_) {
    lock.unlock();
    return std::make_shared<const CachedRead>(read());
  }
  ++misses_;
  auto flight = std::make_shared<Flight>();
  flight->epoch = epoch_;
  flight->seen = changes_;
  ++reading_[changes_];
  flights_[key] = flight;  // replaces a failed flight still listed, if any
  lock.unlock();
  std::shared_ptr<const CachedRead> value;
  try {
    value = std::make_shared<const CachedRead>(read());
  } catch (...) {
    lock.lock();
    LandLocked(key, *flight, nullptr);
    throw;
  }
  lock.lock();
  LandLocked(key, *flight, value);
  return value;
}

void ReadCache::LandLocked(const std::string& key, Flight& flight,
                           std::shared_ptr<const CachedRead> value) {
  for (Waiter* waiter : flight.waiters) {
    // A read that began after the request arrived serves it; one that began before serves it
    // unless a change signalled in between touches the answer.
    waiter->usable = value != nullptr &&
                     (flight.epoch > waiter->epoch ||
                      (flight.epoch == waiter->epoch &&
                       !TouchedLocked(value->scope, flight.seen, waiter->seen)));
  }
  if (value) StoreLocked(key, value, flight.epoch, flight.seen);
  flight.value = std::move(value);
  flight.landed = true;
  if (const auto listed = flights_.find(key); listed != flights_.end() && listed->second.get() == &flight) {
    flights_.erase(listed);
  }
  EndLocked(flight.seen);
  flight.done.notify_all();
}

void ReadCache::Invalidate(const ReadModelChange& change) {
  if (change.everything) {
    InvalidateAll();
    return;
  }
  const std::lock_guard lock(mutex_);
  ++changes_;
  ++invalidations_;
  for (const auto& id : change.post_ids) {
    const auto found = index_.find(id);
    if (found != index_.end() && found->second->value->scope.post_id == id) {
      EraseLocked(found->second);
      ++evictions_;
    }
  }
  std::vector<Position> touched;
  for (const auto& [key, position] : pages_) {
    if (change.Touches(position->value->scope)) touched.push_back(position);
  }
  for (const auto position : touched) EraseLocked(position);
  evictions_ += touched.size();
  if (reading_.empty()) return;  // no read under way began before this change
  log_.push_back({changes_, change});
  logged_posts_ += change.post_ids.size();
  while (logged_posts_ > kMaxLoggedPosts) {
    forgotten_ = log_.front().number;
    logged_posts_ -= log_.front().change.post_ids.size();
    log_.pop_front();
  }
}

void ReadCache::InvalidateAll() {
  const std::lock_guard lock(mutex_);
  ++invalidations_;
  evictions_ += index_.size();
  ClearLocked();
}

void ReadCache::SetActive(bool active) {
  const std::lock_guard lock(mutex_);
  active_ = active;
  ClearLocked();
}

ReadCache::Stats ReadCache::Snapshot() {
  const std::lock_guard lock(mutex_);
  return {hits_, misses_, shared_, invalidations_, evictions_, index_.size(), bytes_, waiting_};
}

void ReadCache::EraseLocked(Position position) {
  bytes_ -= position->bytes;
  pages_.erase(position->key);
  index_.erase(position->key);
  recent_.erase(position);
}

void ReadCache::ClearLocked() {
  ++epoch_;  // every read under way is refused
  index_.clear();
  pages_.clear();
  recent_.clear();
  bytes_ = 0;
  log_.clear();  // only reads under way needed it, and they are refused
  logged_posts_ = 0;
}

void ReadCache::EndLocked(std::uint64_t seen) {
  const auto reading = reading_.find(seen);
  if (reading != reading_.end() && --reading->second == 0) reading_.erase(reading);
  // Changes up to the oldest read still under way are needed by none.
  const std::uint64_t needed_after = reading_.empty() ? changes_ : reading_.begin()->first;
  while (!log_.empty() && log_.front().number <= needed_after) {
    logged_posts_ -= log_.front().change.post_ids.size();
    log_.pop_front();
  }
}

}  // namespace blog::query
