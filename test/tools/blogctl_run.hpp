// Runs blogctl in-process for tests and captures what it prints.
#pragma once

#include <chrono>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "blogctl.hpp"

namespace blog::test {

struct CtlResult {
  int code = -1;
  std::string out;
  std::string err;
  // Lines of `out` (without the newlines).
  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
};

// Points blogctl (and anything else reading NATS_URL) at a server, as `user` when not empty.
inline void PointBlogctlAt(const std::string& url, const std::string& user = {},
                           const std::string& password = {}) {
  setenv("NATS_URL", url.c_str(), 1);
  if (user.empty()) {
    unsetenv("NATS_USER");
    unsetenv("NATS_PASSWORD");
  } else {
    setenv("NATS_USER", user.c_str(), 1);
    setenv("NATS_PASSWORD", password.c_str(), 1);
  }
}

inline CtlResult Ctl(
    const std::vector<std::string>& args,
    const std::function<bool()>& interrupted = [] { return false; }) {
  std::ostringstream out;
  std::ostringstream err;
  CtlResult r;
  r.code = blog::ctl::RunBlogctl(args, out, err, interrupted);
  r.out = out.str();
  r.err = err.str();
  return r;
}

inline rapidjson::Document ParseDoc(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  return doc;
}

}  // namespace blog::test
