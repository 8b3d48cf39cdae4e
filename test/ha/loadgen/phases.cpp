#include "phases.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "stats.hpp"

namespace blog::loadgen {

Phases::Phases(std::string file) : file_(std::move(file)) {
  const std::lock_guard lock(mutex_);
  Start("start");
}

void Phases::Start(const std::string& name) {
  PhaseStats stats;
  stats.name = name;
  stats.start_ms = bench::NowMs();
  phases_.push_back(std::move(stats));
}

void Phases::Poll() {
  std::ifstream in(file_);
  if (!in) return;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() <= read_) return;
  // Only whole lines: the driver may be writing the last one right now.
  const std::size_t end = text.rfind('\n');
  if (end == std::string::npos || end < read_) return;
  std::istringstream lines(text.substr(read_, end + 1 - read_));
  read_ = end + 1;
  std::string line;
  const std::lock_guard lock(mutex_);
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string verb, name, seconds;
    words >> verb >> name >> seconds;
    if (verb == "phase" && !name.empty()) Start(name);
    if (verb == "converged" && !name.empty()) converged_[name] = seconds;
  }
}

void Phases::Begin(const std::string& name) {
  const std::lock_guard lock(mutex_);
  Start(name);
}

int Phases::Current() {
  const std::lock_guard lock(mutex_);
  return static_cast<int>(phases_.size()) - 1;
}

void Phases::Sent() {
  const std::lock_guard lock(mutex_);
  ++phases_.back().writes;
}

void Phases::Answered(int status, bool retry, const std::string& body) {
  const std::lock_guard lock(mutex_);
  PhaseStats& p = phases_.back();
  ++p.attempts;
  if (retry) ++p.retries;
  ++p.answers[status];
  if (status == 201) p.successes.push_back(bench::NowMs());
  if (status == 500 && p.errors.size() < 5) p.errors.push_back(body);
}

namespace {

// The longest time in [start, end] without a 201 (successes sorted).
double LongestGap(std::vector<double> successes, double start, double end) {
  std::sort(successes.begin(), successes.end());
  double longest = 0, last = start;
  for (const double t : successes) {
    longest = std::max(longest, t - last);
    last = t;
  }
  return std::max(longest, end - last);
}

long Count(const PhaseStats& p, int status) {
  const auto it = p.answers.find(status);
  return it == p.answers.end() ? 0 : it->second;
}

long Other(const PhaseStats& p) {
  long n = 0;
  for (const auto& [status, count] : p.answers) {
    if (status != 0 && status != 201 && status != 409 && status != 500 && status != 502 &&
        status != 503 && status != 504)
      n += count;
  }
  return n;
}

}  // namespace

long Phases::Report(const std::string& json_out) {
  Poll();
  const std::lock_guard lock(mutex_);
  const double now = bench::NowMs();
  long errors = 0;
  std::ostringstream json;
  json << "[";
  std::printf("\n%-18s %7s %8s %7s %7s %5s %5s %5s %5s %6s %5s %5s %9s %9s\n", "phase",
              "writes", "attempts", "retries", "201", "409", "503", "502", "504", "no-ans", "500",
              "other", "longest-s", "converge");
  for (std::size_t i = 0; i < phases_.size(); ++i) {
    const PhaseStats& p = phases_[i];
    const double end = i + 1 < phases_.size() ? phases_[i + 1].start_ms : now;
    const double gap = LongestGap(p.successes, p.start_ms, end) / 1000.0;
    const auto converge = converged_.count(p.name) ? converged_.at(p.name) + " s" : "-";
    errors += Count(p, 500);
    std::printf("%-18s %7ld %8ld %7ld %7ld %5ld %5ld %5ld %5ld %6ld %5ld %5ld %9.2f %9s\n",
                p.name.c_str(), p.writes, p.attempts, p.retries, Count(p, 201), Count(p, 409),
                Count(p, 503), Count(p, 502), Count(p, 504), Count(p, 0), Count(p, 500), Other(p),
                gap, converge.c_str());
    for (const auto& body : p.errors) std::printf("  500 in %s: %s\n", p.name.c_str(), body.c_str());
    json << (i ? "," : "") << "{\"phase\":\"" << p.name << "\",\"seconds\":"
         << (end - p.start_ms) / 1000.0 << ",\"writes\":" << p.writes
         << ",\"attempts\":" << p.attempts << ",\"retries\":" << p.retries << ",\"answers\":{";
    bool first = true;
    for (const auto& [status, count] : p.answers) {
      json << (first ? "" : ",") << "\"" << (status ? std::to_string(status) : "none")
           << "\":" << count;
      first = false;
    }
    json << "},\"longest_without_success_s\":" << gap << ",\"converge_s\":"
         << (converged_.count(p.name) ? converged_.at(p.name) : "null") << "}";
  }
  json << "]\n";
  std::fflush(stdout);
  if (!json_out.empty()) std::ofstream(json_out) << json.str();
  return errors;
}

}  // namespace blog::loadgen
