// Keeps a ReadCache honest: listens on its own PostgreSQL connection for the notification that
// every commit to the read model sends (channel kChangeChannel, raised by triggers of schema
// migration 3, so writes by other replicas, `query rebuild` and psql count too) and invalidates
// the cache on each. The cache is active only while the LISTEN stands: when the connection is
// lost it is switched off at once, and on again (empty) once a new connection listens. A
// half-open connection is found by a ping every few seconds and TCP timeouts.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "read_cache.hpp"

namespace blog::query {

inline constexpr const char* kChangeChannel = "blog_query_changed";

class ChangeWatch {
 public:
  // Starts watching on a thread of its own; `database_url` as for Database.
  ChangeWatch(std::string database_url, ReadCache& cache);
  // Stops the thread (within a fraction of a second) and leaves the cache inactive.
  ~ChangeWatch();
  ChangeWatch(const ChangeWatch&) = delete;
  ChangeWatch& operator=(const ChangeWatch&) = delete;
  ChangeWatch(ChangeWatch&&) = delete;
  ChangeWatch& operator=(ChangeWatch&&) = delete;

 private:
  void Run();
  // Connects and listens until the connection fails or a stop is asked; returns the error
  // text (empty on stop) and sets `listened` once the LISTEN stood.
  std::string ListenOnce(bool& listened);
  bool Stopping() const { return stop_.load(std::memory_order_acquire); }

  std::string url_;
  ReadCache& cache_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable woken_;
  std::thread thread_;
};

}  // namespace blog::query
