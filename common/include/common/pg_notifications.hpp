// PostgreSQL notifications (LISTEN/NOTIFY) on a connection of their own: for a cache that must
// learn of every commit to the tables it mirrors, by any process.
//
// A NotificationWatch connects, runs LISTEN `channel` and reports to its observer, on a thread
// of its own and one call at a time:
//   listening()         the LISTEN stands: every notification from now on is reported;
//   notified(payloads)  one or more notifications arrived: their payloads, in the order the
//                       server delivered them (a transaction's notifications at its commit);
//   lost(error)         the connection failed or could not be made: notifications may go
//                       unseen until the next listening(). Retried with a backoff (250 ms,
//                       doubling up to 5 s).
// A silently dead connection is found within seconds (a ping every 5 s, TCP keepalives and
// timeouts), not at the kernel's TCP timeouts.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace blog {

class NotificationWatch {
 public:
  struct Observer {
    std::function<void()> listening;
    std::function<void(const std::vector<std::string>& payloads)> notified;
    std::function<void(const std::string& error)> lost;
  };

  // Starts watching. `database_url` as for Database; `application_name` names the connection in
  // pg_stat_activity.
  NotificationWatch(std::string database_url, std::string channel, std::string application_name,
                    Observer observer);
  // Stops the thread, within a fraction of a second; no observer call follows.
  ~NotificationWatch();
  NotificationWatch(const NotificationWatch&) = delete;
  NotificationWatch& operator=(const NotificationWatch&) = delete;
  NotificationWatch(NotificationWatch&&) = delete;
  NotificationWatch& operator=(NotificationWatch&&) = delete;

 private:
  void Run();
  // Connects and listens until the connection fails or a stop is asked; returns the error text
  // (empty on stop) and sets `listened` once the LISTEN stood.
  std::string ListenOnce(bool& listened);
  bool Stopping() const { return stop_.load(std::memory_order_acquire); }

  const std::string url_;
  const std::string channel_;
  const std::string application_name_;
  const Observer observer_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable woken_;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace blog
