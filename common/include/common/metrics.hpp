// Prometheus metrics in the text exposition format (version 0.0.4).
//
// One process-wide registry. Counters and gauges are keyed by name and label set; histograms use
// fixed latency buckets (seconds). Collectors run just before rendering, for values that are
// cheaper to read on demand (outbox backlog). A described family is rendered (HELP and TYPE)
// even while it has no sample yet. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace blog {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  static Metrics& Global();

  void Increment(std::string_view name, const Labels& labels, double by = 1.0);
  // Sets a gauge; also copies in a counter kept elsewhere when `name` was described as one.
  void Set(std::string_view name, const Labels& labels, double value);
  void Observe(std::string_view name, const Labels& labels, double seconds);
  // `help` is written once per family; the first call wins.
  void Describe(std::string_view name, std::string_view type, std::string_view help);
  void AddCollector(std::function<void()> collector);

  // The whole registry in the text format.
  std::string Render();
  // The current value of a counter or gauge, 0 when never set (for tests and tools).
  double Value(std::string_view name, const Labels& labels);

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Family {
    std::string type = "counter";
    std::string help;
    std::map<std::string, double> values;         // label text -> value
    std::map<std::string, Histogram> histograms;  // label text -> histogram
  };

  std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
  std::vector<std::function<void()>> collectors_;
};

}  // namespace blog
