// docs/metrics.md documents exactly what the services expose: every metric family with its type,
// its labels and the services that have it.
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "blog_system.hpp"
#include "exposition.hpp"

using blog::test::BlogSystem;
using blog::test::Http;

namespace {

struct Documented {
  std::string type;
  std::set<std::string> labels;
  std::set<std::string> services;
};

std::vector<std::string> Cells(const std::string& row) {
  std::vector<std::string> cells;
  std::stringstream in(row.substr(1));
  std::string cell;
  while (std::getline(in, cell, '|')) {
    const auto first = cell.find_first_not_of(' ');
    const auto last = cell.find_last_not_of(' ');
    cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
  }
  return cells;
}

// The words between backticks in `cell`.
std::set<std::string> Quoted(const std::string& cell) {
  std::set<std::string> out;
  for (std::size_t at = cell.find('`'); at != std::string::npos; at = cell.find('`', at)) {
    const auto end = cell.find('`', at + 1);
    out.insert(cell.substr(at + 1, end - at - 1));
    at = end + 1;
  }
  return out;
}

// The table of docs/metrics.md: metric -> what it says.
std::map<std::string, Documented> ReadMetricsDoc() {
  std::ifstream file(std::string(BLOG_SOURCE_DIR) + "/docs/metrics.md");
  REQUIRE(file);
  std::map<std::string, Documented> doc;
  std::string line;
  while (std::getline(file, line)) {
    if (line.rfind("| `blog_", 0) != 0) continue;
    const auto cells = Cells(line);
    REQUIRE(cells.size() >= 5);
    const auto name = *Quoted(cells[0]).begin();
    INFO(line);
    CHECK(doc.count(name) == 0);
    Documented d{cells[1], Quoted(cells[2]), {}};
    if (cells[3] == "all") {
      d.services = {blog::test::kServices.begin(), blog::test::kServices.end()};
    } else {
      std::stringstream services(cells[3]);
      std::string s;
      while (std::getline(services, s, ',')) d.services.insert(s.substr(s.find_first_not_of(' ')));
    }
    doc[name] = d;
  }
  return doc;
}

// The family a sample belongs to (histogram samples end in _bucket, _sum or _count).
std::string FamilyOf(const blog::ctl::Exposition& e, const std::string& sample) {
  for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
    if (sample.size() > suffix.size() &&
        sample.compare(sample.size() - suffix.size(), std::string::npos, suffix) == 0) {
      const auto base = sample.substr(0, sample.size() - suffix.size());
      if (e.types.count(base) > 0 && e.types.at(base) == "histogram") return base;
    }
  }
  return sample;
}

}  // namespace

TEST_CASE("docs/metrics.md lists exactly the metrics the services expose, with types and labels",
          "[e2e][metrics]") {
  const auto doc = ReadMetricsDoc();
  REQUIRE(doc.size() >= 20);
  BlogSystem blog;
  // Traffic first, so that the labelled series exist.
  const auto post = blog.CreatePost("Documented");
  const auto created = blog.AddComment(post, "I like apples");
  REQUIRE(created.status == 201);
  const std::string comment = blog::test::ParseJson(created.body)[0]["id"].GetString();
  REQUIRE(blog::test::Eventually([&] { return blog.QueryStatus(post, comment) == "approved"; }));
  for (const auto& service : blog::test::kServices) {
    INFO(service);
    const auto r = Http(blog.Port(service), "GET", "/metrics");
    REQUIRE(r.status == 200);
    const auto e = blog::ctl::ParseExposition(r.body);
    for (const auto& [family, type] : e.types) {
      INFO(family << " is exposed but not in docs/metrics.md");
      REQUIRE(doc.count(family) == 1);
      CHECK(doc.at(family).type == type);
      CHECK(doc.at(family).services.count(service) == 1);
    }
    for (const auto& [name, d] : doc) {
      INFO(name << " is documented for " << service << " but not exposed");
      if (d.services.count(service) > 0) CHECK(e.types.count(name) == 1);
    }
    for (const auto& s : e.samples) {
      const auto family = FamilyOf(e, s.name);
      for (const auto& [label, value] : s.labels) {
        INFO(s.name << " has label " << label << ", which docs/metrics.md does not list");
        const bool bucket_bound = label == "le" && s.name == family + "_bucket";
        CHECK((doc.at(family).labels.count(label) == 1 || bucket_bound));
      }
    }
  }
}
