#include "common/metrics.hpp"

#include <array>
#include <cstdio>

namespace blog {
namespace {

constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                             0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

std::string Escape(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string LabelText(const Labels& labels) {
  std::string out;
  for (const auto& [key, value] : labels) {
    if (!out.empty()) out.push_back(',');
    out += key + "=\"" + Escape(value) + "\"";
  }
  return out;
}

std::string Number(double value) {
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.10g", value);
  return buffer.data();
}

std::string Series(const std::string& name, const std::string& labels) {
  return labels.empty() ? name : name + "{" + labels + "}";
}

}  // namespace

Metrics& Metrics::Global() {
  static Metrics instance;
  return instance;
}

void Metrics::Describe(std::string_view name, std::string_view type, std::string_view help) {
  const std::lock_guard lock(mutex_);
  auto& family = families_[std::string(name)];
  if (family.help.empty()) {
    family.type = type;
    family.help = help;
  }
}

void Metrics::Increment(std::string_view name, const Labels& labels, double by) {
  const std::lock_guard lock(mutex_);
  families_[std::string(name)].values[LabelText(labels)] += by;
}

void Metrics::Set(std::string_view name, const Labels& labels, double value) {
  const std::lock_guard lock(mutex_);
  auto& family = families_[std::string(name)];
  // A counter kept elsewhere and copied in on scrape stays a counter.
  if (family.help.empty()) family.type = "gauge";
  family.values[LabelText(labels)] = value;
}

void Metrics::Observe(std::string_view name, const Labels& labels, double seconds) {
  const std::lock_guard lock(mutex_);
  auto& family = families_[std::string(name)];
  family.type = "histogram";
  auto& h = family.histograms[LabelText(labels)];
  if (h.buckets.empty()) h.buckets.assign(kBuckets.size(), 0);
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::AddCollector(std::function<void()> collector) {
  const std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

double Metrics::Value(std::string_view name, const Labels& labels) {
  const std::lock_guard lock(mutex_);
  const auto family = families_.find(name);
  if (family == families_.end()) return 0;
  const auto value = family->second.values.find(LabelText(labels));
  return value == family->second.values.end() ? 0 : value->second;
}

std::string Metrics::Render() {
  std::vector<std::function<void()>> collectors;
  {
    const std::lock_guard lock(mutex_);
    collectors = collectors_;
  }
  for (const auto& collect : collectors) collect();

  const std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    // A described family is listed even before its first sample, so that what a service can
    // report is visible from its first scrape (docs/metrics.md is checked against it).
    if (family.values.empty() && family.histograms.empty() && family.help.empty()) continue;
    if (!family.help.empty()) out += "# HELP " + name + " " + family.help + "\n";
    out += "# TYPE " + name + " " + family.type + "\n";
    for (const auto& [labels, value] : family.values) {
      out += Series(name, labels) + " " + Number(value) + "\n";
    }
    for (const auto& [labels, h] : family.histograms) {
      const std::string sep = labels.empty() ? "" : ",";
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        out += name + "_bucket{" + labels + sep + "le=\"" + Number(kBuckets[i]) + "\"} " +
               std::to_string(h.buckets[i]) + "\n";
      }
      out += name + "_bucket{" + labels + sep + "le=\"+Inf\"} " + std::to_string(h.count) + "\n";
      out += Series(name + "_sum", labels) + " " + Number(h.sum) + "\n";
      out += Series(name + "_count", labels) + " " + std::to_string(h.count) + "\n";
    }
  }
  return out;
}

}  // namespace blog
