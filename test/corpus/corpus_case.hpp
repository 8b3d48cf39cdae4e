// One entry of the bad-request corpus (test/corpus/cases/**/*.req, format in README.md): the
// services it is sent to, what each must answer, and the request bytes after macro expansion.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace blog::test::corpus {

// What a service may do with the request. Anything not allowed here fails the case: a 2xx or
// 3xx, an unlisted 5xx, a 4xx without the {"errors":[{"message":...}]} body (unless `close`),
// and a connection still open, without an answer, when the time is up.
struct Expectation {
  std::set<int> statuses;  // exact codes ("413", "505")
  bool any_4xx = false;    // "4xx"
  bool close = false;      // "close": closing (or a bare 4xx from the framing layer) is enough
};

struct CorpusCase {
  std::string name;                   // path under cases/ without ".req", e.g. "json/nan-posts"
  std::string title;                  // the first "#" line
  std::vector<std::string> services;  // "all" expanded
  Expectation expect;
  bool raw = false;  // "@raw": literal newlines are dropped, only macros make CR/LF
  std::string text;  // the request, macros unexpanded

  // The bytes to send; `post_id` is the value of $(post).
  std::string Render(const std::string& post_id) const;
};

// Parses one case file; throws std::runtime_error naming the file and the line at fault.
CorpusCase ParseCase(const std::string& name, std::string_view file);

// Every *.req file under `dir` whose name contains `filter`, sorted by name.
std::vector<CorpusCase> LoadCorpus(const std::string& dir, const std::string& filter = {});

// Expands the macros of `text` ($(crlf), $(hex ..), $(repeat N ..), $(post), ...); $(len) is
// `body_length` (plus or minus "$(len+N)"). Throws std::runtime_error on an unknown macro.
std::string ExpandMacros(std::string_view text, const std::string& post_id,
                         long long body_length = -1);

}  // namespace blog::test::corpus
