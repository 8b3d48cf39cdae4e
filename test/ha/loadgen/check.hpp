// The failover suite's end check: every write the load generator attempted is in the query
// service exactly once, with its final status.
#pragma once

#include <deque>
#include <string>

#include "writes.hpp"

namespace blog::loadgen {

struct CheckResult {
  long posts = 0, comments = 0;  // attempted
  long acknowledged = 0;         // answered 201
  long missing = 0;              // never seen in the query service
  long duplicated = 0;           // seen more than once (two rows for one key)
  long wrong_status = 0;         // a comment still pending, or approved/rejected wrongly
  long refused = 0;              // a write whose final answer was a 4xx
  long unfinished = 0;           // a write that never got a final answer
  std::string first_problem;
  bool Ok() const { return missing + duplicated + wrong_status + refused + unfinished == 0; }
};

// Reads every post (pages of GET /posts) through `target` and compares with `writes`; repeats
// every 2 s until all is right or `seconds` have passed (the pipeline may still be working).
CheckResult Check(const Target& target, const std::deque<Write>& writes, double seconds);

}  // namespace blog::loadgen
