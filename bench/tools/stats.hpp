// Percentiles of latency samples, and a steady clock in milliseconds, for the bench tools.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace bench {

inline double NowMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Nearest-rank percentile of `samples` (sorted in place); 0 when empty.
inline double Percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(samples.size()));
  if (rank >= samples.size()) rank = samples.size() - 1;
  return samples[rank];
}

// One result line the bench script parses: "RESULT <name> key=value ...".
inline void PrintLatency(const std::string& name, std::vector<double> samples, int timeouts) {
  std::printf("RESULT %s n=%zu p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f timeouts=%d\n",
              name.c_str(), samples.size(), Percentile(samples, 50), Percentile(samples, 90),
              Percentile(samples, 99), Percentile(samples, 100), timeouts);
  std::fflush(stdout);
}

}  // namespace bench
