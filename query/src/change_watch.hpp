// Keeps a ReadCache honest: watches for the notifications that every commit to the read model
// sends (channel kChangeChannel, raised by the triggers of schema migration 4, so writes by
// other replicas, `query rebuild` and psql count too), each naming what the commit changed
// (ParseChangeNotice, read_change.hpp), and invalidates what they name. The cache is
// active only while the LISTEN stands: when the connection is lost it is switched off at once,
// and on again (empty) once a new connection listens (common/pg_notifications.hpp).
#pragma once

#include <memory>
#include <string>

#include "common/pg_notifications.hpp"

#include "read_cache.hpp"

namespace blog::query {

inline constexpr const char* kChangeChannel = "blog_query_changed";

class ChangeWatch {
 public:
  // Starts watching on a thread of its own; `database_url` as for Database.
  ChangeWatch(const std::string& database_url, ReadCache& cache);
  // Stops the thread (within a fraction of a second) and leaves the cache inactive.
  ~ChangeWatch();
  ChangeWatch(const ChangeWatch&) = delete;
  ChangeWatch& operator=(const ChangeWatch&) = delete;
  ChangeWatch(ChangeWatch&&) = delete;
  ChangeWatch& operator=(ChangeWatch&&) = delete;

 private:
  ReadCache& cache_;
  bool outage_reported_ = false;  // an outage is logged once, not at every retry (watch thread)
  std::unique_ptr<NotificationWatch> watch_;  // last: calls back into the members above
};

}  // namespace blog::query
