#include "exposition.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

namespace blog::ctl {
namespace {

bool Matches(const Sample& s, const std::map<std::string, std::string>& match) {
  for (const auto& [k, v] : match) {
    const auto it = s.labels.find(k);
    if (it == s.labels.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace

double Exposition::Sum(const std::string& name,
                       const std::map<std::string, std::string>& match) const {
  double total = 0;
  for (const auto& s : samples) {
    if (s.name == name && Matches(s, match)) total += s.value;
  }
  return total;
}

double Exposition::Max(const std::string& name,
                       const std::map<std::string, std::string>& match) const {
  double most = 0;
  bool any = false;
  for (const auto& s : samples) {
    if (s.name != name || !Matches(s, match)) continue;
    most = any ? std::max(most, s.value) : s.value;
    any = true;
  }
  return most;
}

Exposition ParseExposition(const std::string& text) {
  Exposition out;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  const auto fail = [&](const std::string& why) {
    throw std::runtime_error("line " + std::to_string(number) + " (" + why + "): " + line);
  };
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream words(line);
      std::string hash, kind, family;
      words >> hash >> kind >> family;
      std::string rest;
      std::getline(words, rest);
      if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
      if (kind == "TYPE")
        out.types[family] = rest;
      else if (kind == "HELP")
        out.help[family] = rest;
      else
        fail("unknown comment");
      continue;
    }
    Sample s;
    std::size_t i = 0;
    while (i < line.size() &&
           (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_' || line[i] == ':'))
      ++i;
    s.name = line.substr(0, i);
    if (s.name.empty()) fail("no metric name");
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const auto eq = line.find('=', i);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"')
          fail("bad label");
        const std::string key = line.substr(i, eq - i);
        std::string value;
        std::size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) ++j;
          value += line[j];
        }
        if (j >= line.size()) fail("unterminated label value");
        s.labels[key] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) fail("unterminated labels");
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') fail("no value");
    const std::string value = line.substr(i + 1);
    std::size_t used = 0;
    try {
      s.value = value == "+Inf" ? 1e308 : std::stod(value, &used);
    } catch (const std::exception&) {
      fail("value is not a number");
    }
    if (value != "+Inf" && used != value.size()) fail("trailing text after the value");
    out.samples.push_back(std::move(s));
  }
  return out;
}

}  // namespace blog::ctl
