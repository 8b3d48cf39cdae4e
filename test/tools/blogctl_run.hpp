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

inline CtlResult Ctl(const std::vector<std::string>& args,
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
