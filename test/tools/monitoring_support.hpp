// What the monitoring tests share: the running BlogSystem as a topology file (scripts/monitoring
// targets), shell commands, and a folder of the test's own.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/ids.hpp"

#include "blog_system.hpp"

namespace blog::test {

// Runs `command` with /bin/sh; returns its exit status.
inline int Shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A folder removed at the end of the test.
struct TestDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("blog-monitoring-" + NewUuid().substr(0, 8));
  TestDir() { std::filesystem::create_directories(path); }
  ~TestDir() { std::filesystem::remove_all(path); }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;
  TestDir(TestDir&&) = delete;
  TestDir& operator=(TestDir&&) = delete;
};

inline std::string MonitoringScript() { return RequireEnv("BLOG_ROOT") + "/scripts/monitoring"; }

// Writes DIR/monitoring/targets.json for the four services of `blog`, as ./blog up does.
inline int WriteTargets(BlogSystem& blog, const std::filesystem::path& dir) {
  std::string command = MonitoringScript() + " targets " + dir.string();
  for (const auto& s : kServices) command += " " + s + "=127.0.0.1:" + std::to_string(blog.Port(s));
  return Shell(command);
}

}  // namespace blog::test
