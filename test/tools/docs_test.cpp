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
  CHECK(files == 7);  // asyncapi.yaml, asyncapi.json and five schemas (CommentCreated v1, v2)
  for (const auto& entry : std::filesystem::recursive_directory_iterator(docs / "schemas")) {
    INFO("docs/schemas has a file the catalog no longer generates: " << entry.path());
    CHECK(std::filesystem::exists(dir / std::filesystem::relative(entry.path(), docs)));
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
  CHECK(std::filesystem::exists(dir / "schemas" / "CommentUpdated" / "v1.json"));
  const auto generated = blog::ctl::GenerateEventDocs();
  CHECK(ReadWhole(dir / "asyncapi.json") == generated.at("asyncapi.json"));

  std::ostringstream check_out;
  CHECK(blog::ctl::RunBlogctl({"schema", "--out", dir.string(), "--check"}, check_out, err) == 0);
  CHECK(check_out.str().find("up to date") != std::string::npos);

  // A compatible difference (no example) is out of date, not breaking.
  const auto stale_file = dir / "schemas" / "PostCreated" / "v1.json";
  std::string text = generated.at("schemas/PostCreated/v1.json");
  text = text.substr(0, text.find(",\n  \"examples\"")) + "\n}\n";
  std::ofstream(stale_file, std::ios::binary | std::ios::trunc) << text;
  std::ostringstream stale;
  CHECK(blog::ctl::RunBlogctl({"schema", "--out", dir.string(), "--check"}, stale, err) == 1);
  CHECK(stale.str().find("out of date: " + stale_file.string()) != std::string::npos);
  CHECK(stale.str().find("breaking") == std::string::npos);
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

TEST_CASE("the AsyncAPI document shows every version of each event", "[catalog]") {
  const auto yaml = blog::ctl::GenerateEventDocs().at("asyncapi.yaml");
  // The channel carries both versions; the producer sends the current one, consumers read both.
  CHECK(yaml.find("      CommentCreated.v1:\n        \"$ref\": \"#/components/messages/"
                  "CommentCreated.v1\"\n      CommentCreated.v2:") != std::string::npos);
  CHECK(yaml.find("  comments-sends-CommentCreated:\n    action: send\n    channel:\n      "
                  "\"$ref\": \"#/channels/CommentCreated\"\n    summary: \"comments publishes "
                  "CommentCreated v2 through its transactional outbox.\"\n    messages:\n      - "
                  "\"$ref\": \"#/channels/CommentCreated/messages/CommentCreated.v2\"\n") !=
        std::string::npos);
  CHECK(yaml.find("    messages:\n      - \"$ref\": \"#/channels/CommentCreated/messages/"
                  "CommentCreated.v1\"\n      - \"$ref\": \"#/channels/CommentCreated/messages/"
                  "CommentCreated.v2\"\n    x-service: query\n") != std::string::npos);
  CHECK(yaml.find("    title: \"CommentCreated v1\"") != std::string::npos);
  CHECK(yaml.find("    x-dataschema: \"https://blog.example/schemas/CommentCreated/v2.json\"") !=
        std::string::npos);
}
