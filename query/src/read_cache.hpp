// Answers of the read routes, kept in memory until the read model changes under them, so that a
// repeated read costs no round trip to PostgreSQL.
//
// Correctness rests on three rules.
// 1. Every commit to the read model, by any replica or tool, ends in Invalidate with what it
//    changed (ChangeWatch, change_watch.hpp, turns PostgreSQL's notification into the call),
//    and drops the answers that change touches (read_change.hpp): a post's own answer, and the
//    listing pages its position falls in. Answers it does not touch stay.
// 2. A read begins (Begin) before it queries the database, and Store keeps its answer only if
//    no change signalled since the read began touches it: an answer read before a change it
//    overlaps is never kept after the change, whichever key or page it is. InvalidateAll and
//    SetActive refuse every read begun before them.
// 3. While changes cannot be observed (no notification connection) the cache is inactive:
//    Find finds nothing and Store keeps nothing.
// FindOrRead also lets concurrent misses of one key share one database read: a request that
// arrives while a read of its key is under way takes that read's answer, unless a change
// signalled between that read's beginning and the request's arrival touches it (then it reads
// again), so an answer is never older than the changes its request could have seen.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "read_change.hpp"

namespace blog::query {

// One answer as the route sends it, and what it depends on.
struct CachedRead {
  std::string body;
  std::string etag;         // quoted, as the ETag header carries it
  std::string next_cursor;  // X-Next-Cursor of a listing page; empty for none
  ReadScope scope;
};

class ReadCache {
 public:
  // Keeps at most `capacity_bytes` of answers (keys and bodies), dropping the least recently
  // used first; 0 keeps nothing. Starts inactive.
  explicit ReadCache(std::size_t capacity_bytes);
  ~ReadCache();
  ReadCache(const ReadCache&) = delete;
  ReadCache& operator=(const ReadCache&) = delete;

  // A database read under way, from before the database is queried until its answer is
  // stored or given up (the destructor). Rule 2 above.
  class Read {
   public:
    ~Read();
    Read(Read&& other) noexcept;
    Read& operator=(Read&&) = delete;
    Read(const Read&) = delete;
    Read& operator=(const Read&) = delete;

   private:
    friend class ReadCache;
    Read(ReadCache* cache, std::uint64_t epoch, std::uint64_t seen)
        : cache_(cache), epoch_(epoch), seen_(seen) {}
    ReadCache* cache_;
    std::uint64_t epoch_;  // activations and InvalidateAll before it began
    std::uint64_t seen_;   // changes signalled before it began
  };

  Read Begin();
  std::shared_ptr<const CachedRead> Find(const std::string& key);
  // Keeps `value` under `key` unless rule 2 or 3 refuses it, or it alone exceeds the capacity.
  void Store(const std::string& key, std::shared_ptr<const CachedRead> value, const Read& read);

  // The answer under `key`, or else one read by `read` (the database query) and kept, shared
  // with the concurrent misses of `key` as described above. Exceptions of `read` propagate;
  // the requests that were waiting for it then read by themselves.
  std::shared_ptr<const CachedRead> FindOrRead(const std::string& key,
                                               const std::function<CachedRead()>& read);

  // A commit changed the read model: drops the answers `change` touches (all of them when
  // `change.everything`).
  void Invalidate(const ReadModelChange& change);
  void InvalidateAll();
  // Inactive while changes may go unseen; both switches drop every answer.
  void SetActive(bool active);

  struct Stats {
    std::uint64_t hits, misses, shared, invalidations, evictions;
    std::size_t entries, bytes;
    std::size_t waiting;  // requests waiting now for another's read of their key
  };
  Stats Snapshot();

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const CachedRead> value;
    std::size_t bytes;
  };
  using Position = std::list<Entry>::iterator;
  struct LoggedChange {
    std::uint64_t number;
    ReadModelChange change;
  };
  struct Flight;
  struct Waiter;

  // Caller holds mutex_.
  void StoreLocked(const std::string& key, std::shared_ptr<const CachedRead> value,
                   std::uint64_t epoch, std::uint64_t seen);
  // True when a change numbered in (after, until] touches `scope`, or may have.
  bool TouchedLocked(const ReadScope& scope, std::uint64_t after, std::uint64_t until) const;
  void LandLocked(const std::string& key, Flight& flight, std::shared_ptr<const CachedRead> value);
  void EraseLocked(Position position);
  void ClearLocked();
  void EndLocked(std::uint64_t seen);

  const std::size_t capacity_;
  std::mutex mutex_;
  bool active_ = false;
  std::uint64_t epoch_ = 0;
  std::uint64_t changes_ = 0;
  std::list<Entry> recent_;  // most recently used first
  std::unordered_map<std::string, Position> index_;
  std::unordered_map<std::string, Position> pages_;  // the listing pages among them
  std::size_t bytes_ = 0;
  // Changes signalled while reads are under way, for rule 2: reads under way by the number of
  // changes they had seen; the log keeps the changes after the oldest of them.
  std::map<std::uint64_t, std::size_t> reading_;
  std::deque<LoggedChange> log_;
  std::size_t logged_posts_ = 0;
  std::uint64_t forgotten_ = 0;  // changes up to this number were dropped from the log
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
  std::uint64_t hits_ = 0, misses_ = 0, shared_ = 0, invalidations_ = 0, evictions_ = 0;
  std::size_t waiting_ = 0;
};

}  // namespace blog::query
