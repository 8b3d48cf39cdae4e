// A strict reader of the Prometheus text exposition format (0.0.4): every line must be a comment
// (# HELP / # TYPE) or a sample `name{label="value",...} number`. Used by `blogctl top` and by
// the tests that check what the services expose.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace blog::ctl {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Exposition {
  std::map<std::string, std::string> types;  // family -> counter|gauge|histogram
  std::map<std::string, std::string> help;   // family -> text
  std::vector<Sample> samples;

  // Sum of the samples called `name` whose labels include every pair of `match`.
  double Sum(const std::string& name, const std::map<std::string, std::string>& match = {}) const;
  // Largest such sample; 0 when there is none.
  double Max(const std::string& name, const std::map<std::string, std::string>& match = {}) const;
};

// Throws std::runtime_error naming the first line that is not in the format.
Exposition ParseExposition(const std::string& text);

}  // namespace blog::ctl
