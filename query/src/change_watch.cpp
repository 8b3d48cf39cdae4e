#include "change_watch.hpp"

#include <string>
#include <vector>

#include "common/log.hpp"

namespace blog::query {

ChangeWatch::ChangeWatch(const std::string& database_url, ReadCache& cache) : cache_(cache) {
  watch_ = std::make_unique<NotificationWatch>(
      database_url, kChangeChannel, "query-change-watch",
      NotificationWatch::Observer{
          .listening =
              [this] {
                // Changes made before the LISTEN were never seen: start from an empty cache.
                cache_.SetActive(true);
                outage_reported_ = false;
                log::Info("read cache on: watching the read model for changes");
              },
          .notified =
              [this](const std::vector<std::string>& notices) {
                for (const auto& notice : notices) cache_.Invalidate(ParseChangeNotice(notice));
              },
          .lost =
              [this](const std::string& error) {
                cache_.SetActive(false);
                if (outage_reported_) return;
                outage_reported_ = true;
                log::Warn("read cache off: cannot watch the read model for changes",
                          {{"error", error}});
              }});
}

ChangeWatch::~ChangeWatch() {
  watch_.reset();
  cache_.SetActive(false);
}

}  // namespace blog::query
