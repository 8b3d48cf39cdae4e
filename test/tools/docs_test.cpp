// The committed docs/ must be what `blogctl schema` generates from the current catalog.
#include "docs.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "blogctl.hpp"

namespace {

std::string ReadWhole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path TempDir() {
  char pattern[] = "/tmp/blogctl-docs-XXXXXX";
  return mkdtemp(pattern);
}

}  // namespace

TEST_CASE("the committed event documents are up to date with the catalog", "[catalog]") {
  // Regenerate with the real command into a temporary folder, then compare file by file.
  const std::filesystem::path docs = std::filesystem::path(BLOG_SOURCE_DIR) / "docs";
  const auto dir = TempDir();
  std::ostringstream out;
  std::ostringstream err;
  REQUIRE(blog::ctl::RunBlogctl({"schema", "--out", dir.string()}, out, err) == 0);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const auto relative = std::filesystem::relative(entry.path(), dir);
    INFO("docs/" << relative.string()
                 << " is out of date: run `blogctl schema --out docs` and commit the result");
    CHECK(ReadWhole(docs / relative) == ReadWhole(entry.path()));
  }
  CHECK(files == 6);  // asyncapi.yaml, asyncapi.json and four schemas
  for (const auto& entry : std::filesystem::directory_iterator(docs / "schemas")) {
    INFO("docs/schemas has a file the catalog no longer generates: " << entry.path());
    CHECK(std::filesystem::exists(dir / "schemas" / entry.path().filename()));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("blogctl schema writes into a folder and then --check finds it up to date",
          "[catalog][blogctl]") {
  const auto dir = TempDir();
  std::ostringstream out;
  std::ostringstream err;
  REQUIRE(blog::ctl::RunBlogctl({"schema", "--out", dir.string()}, out, err) == 0);
  CHECK(std::filesystem::exists(dir / "asyncapi.yaml"));
  CHECK(std::filesystem::exists(dir / "schemas" / "CommentUpdated.json"));
  const auto generated = blog::ctl::GenerateEventDocs();
  CHECK(ReadWhole(dir / "asyncapi.json") == generated.at("asyncapi.json"));

  std::ostringstream check_out;
  CHECK(blog::ctl::RunBlogctl({"schema", "--out", dir.string(), "--check"}, check_out, err) == 0);
  CHECK(check_out.str().find("up to date") != std::string::npos);

  std::ofstream(dir / "schemas" / "PostCreated.json") << "{}";
  std::ostringstream stale;
  CHECK(blog::ctl::RunBlogctl({"schema", "--out", dir.string(), "--check"}, stale, err) == 1);
  CHECK(stale.str().find("out of date: " + (dir / "schemas" / "PostCreated.json").string()) !=
        std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the AsyncAPI document has a channel per subject and operations per flow edge",
          "[catalog]") {
  const auto yaml = blog::ctl::GenerateEventDocs().at("asyncapi.yaml");
  CHECK(yaml.find("asyncapi: \"3.0.0\"") != std::string::npos);
  CHECK(yaml.find("    address: blog.comment.moderated\n") != std::string::npos);
  CHECK(yaml.find("  moderation-sends-CommentModerated:\n    action: send\n") != std::string::npos);
  CHECK(yaml.find("  query-receives-CommentUpdated:\n    action: receive\n") != std::string::npos);
  CHECK(yaml.find("x-durable-consumer: comments-CommentModerated") != std::string::npos);
  CHECK(yaml.find("address: \"dlq.{consumer}\"") != std::string::npos);
}
