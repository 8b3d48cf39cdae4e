#include "check.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <cstdio>
#include <thread>
#include <unordered_map>

#include "stats.hpp"

namespace blog::loadgen {
namespace {

struct Seen {
  int count = 0;
  std::string status;  // comments
};

// The key inside a title or content: the 36 characters after "ha ".
std::string KeyOf(const std::string& text) {
  return text.rfind("ha ", 0) == 0 && text.size() >= 39 ? text.substr(3, 36) : std::string();
}

// Every post and comment of the query service by key, or false when a page could not be read.
bool ReadAll(bench::HttpClient& client, std::unordered_map<std::string, Seen>& seen) {
  std::string cursor;
  for (;;) {
    const auto reply =
        client.RequestOnce("GET", "/posts?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor),
                           "", {});
    if (reply.status != 200) return false;
    rapidjson::Document doc;
    if (doc.Parse(reply.body.c_str()).HasParseError() || !doc.IsObject()) return false;
    for (const auto& post : doc.GetObject()) {
      const auto& p = post.value;
      if (p.HasMember("title") && p["title"].IsString()) ++seen[KeyOf(p["title"].GetString())].count;
      if (!p.HasMember("comments") || !p["comments"].IsArray()) continue;
      for (const auto& c : p["comments"].GetArray()) {
        Seen& s = seen[KeyOf(c["content"].GetString())];
        ++s.count;
        s.status = c["status"].GetString();
      }
    }
    cursor = reply.Header("X-Next-Cursor");
    if (cursor.empty()) return true;
  }
}

CheckResult Compare(const std::deque<Write>& writes,
                    const std::unordered_map<std::string, Seen>& seen) {
  CheckResult r;
  const auto problem = [&](const Write& w, const std::string& what) {
    if (r.first_problem.empty()) {
      r.first_problem = std::string(w.is_post ? "post" : "comment") + " " + w.key + ": " + what;
    }
  };
  for (const Write& w : writes) {
    (w.is_post ? r.posts : r.comments)++;
    if (w.final_status == 0) {
      ++r.unfinished;
      problem(w, "never answered with a 201 or 4xx");
      continue;
    }
    if (w.final_status != 201) {
      ++r.refused;
      problem(w, "refused with " + std::to_string(w.final_status) + ": " + w.answer);
      continue;
    }
    ++r.acknowledged;
    const auto it = seen.find(w.key);
    if (it == seen.end()) {
      ++r.missing;
      problem(w, "accepted (201) but not in the query service");
    } else if (it->second.count > 1) {
      ++r.duplicated;
      problem(w, "in the query service " + std::to_string(it->second.count) + " times");
    } else if (!w.is_post && it->second.status != (w.banned ? "rejected" : "approved")) {
      ++r.wrong_status;
      problem(w, "status " + it->second.status);
    }
  }
  return r;
}

}  // namespace

CheckResult Check(const Target& target, const std::deque<Write>& writes, double seconds) {
  bench::HttpClient client(target.host, target.port, target.host_header, 30000);
  const double deadline = bench::NowMs() + seconds * 1000;
  CheckResult result;
  result.first_problem = "the query service's posts could not be read";
  for (;;) {
    std::unordered_map<std::string, Seen> seen;
    const bool read = ReadAll(client, seen);
    if (read) result = Compare(writes, seen);
    // Only what the pipeline is still carrying can change by waiting: writes not seen yet and
    // comments not yet decided.
    const bool settled = read && result.missing == 0 && result.wrong_status == 0;
    if (settled || bench::NowMs() > deadline) return result;
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
}

}  // namespace blog::loadgen
