#include "verify.hpp"

#include <catch2/catch.hpp>

using namespace blog::verify;

TEST_CASE("the checker reports missing, extra and stale posts and comments", "[verify]") {
  Snapshot truth;
  truth.posts = {{"p1", {"One"}}, {"p2", {"Two"}}};
  truth.comments = {{"c1", {"p1", "hi", "approved"}},
                    {"c2", {"p1", "orange", "rejected"}},
                    {"c3", {"p2", "new", "pending"}}};
  Snapshot model;
  model.posts = {{"p1", {"One"}}, {"p3", {"Ghost"}}};
  model.comments = {{"c1", {"p1", "hi", "pending"}},
                    {"c2", {"p1", "orange", "rejected"}},
                    {"c9", {"p1", "?", "approved"}}};
  const auto diffs = Compare(truth, model, false);
  std::vector<std::string> kinds;
  for (const auto& d : diffs) kinds.push_back(d.kind + " " + d.id);
  CHECK(kinds == std::vector<std::string>{"missing post p2", "extra post p3", "stale comment c1",
                                          "missing comment c3", "extra comment c9"});
  CHECK(diffs[2].detail == "status: pending != approved");
}

TEST_CASE(
    "the checker finds nothing when the model matches and flags pending comments on "
    "request",
    "[verify]") {
  Snapshot truth;
  truth.posts = {{"p1", {"One"}}};
  truth.comments = {{"c1", {"p1", "hi", "pending"}}};
  CHECK(Compare(truth, truth, false).empty());
  const auto strict = Compare(truth, truth, true);
  REQUIRE(strict.size() == 1);
  CHECK(strict[0].kind == "pending comment");
}
