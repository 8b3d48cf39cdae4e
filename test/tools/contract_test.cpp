// The event contract check (tools/src/contract.hpp) on fixtures: test/tools/contract holds a
// committed v1 schema and changed copies of it, as a later catalog could generate them.
#include "contract.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "blogctl.hpp"
#include "docs.hpp"

namespace {

const std::filesystem::path kFixtures =
    std::filesystem::path(BLOG_SOURCE_DIR) / "test/tools/contract";

std::string Fixture(const std::string& name) {
  std::ifstream in(kFixtures / name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The messages of comparing the committed v1 with fixture `name`.
std::vector<std::string> Breaks(const std::string& name) {
  std::vector<std::string> out;
  for (const auto& b :
       blog::ctl::CompareEventSchema(Fixture("CommentUpdated.v1.json"), Fixture(name))) {
    out.push_back(b.Message());
  }
  return out;
}

std::filesystem::path TempDir() {
  char pattern[] = "/tmp/blogctl-contract-XXXXXX";
  return mkdtemp(pattern);
}

}  // namespace

TEST_CASE("the contract check accepts an unchanged schema and a new optional field",
          "[catalog][contract]") {
  CHECK(Breaks("CommentUpdated.v1.json").empty());
  CHECK(Breaks("additive-optional-field.json").empty());
}

TEST_CASE("the contract check names the event and field of a renamed field",
          "[catalog][contract]") {
  CHECK(Breaks("breaking-renamed-field.json") ==
        std::vector<std::string>{
            "breaking change to CommentUpdated v1, field data.content: removed or renamed (the "
            "catalog now has \"text\" instead?): consumers of this version read it",
            "breaking change to CommentUpdated v1, field data.text: added as a required field: "
            "events stored without it would no longer decode (make it a std::optional member to "
            "add it to this version)"});
}

TEST_CASE("the contract check refuses a changed type, meaning or set of values",
          "[catalog][contract]") {
  CHECK(Breaks("breaking-changed-type.json") ==
        std::vector<std::string>{"breaking change to CommentUpdated v1, field data.version: "
                                 "changed type from integer to string"});
  CHECK(Breaks("breaking-changed-meaning.json") ==
        std::vector<std::string>{
            "breaking change to CommentUpdated v1, field data.version: changed meaning from \"The "
            "comment's version after the change; the highest one is the current state.\" to "
            "\"The number of edits of the comment.\""});
  CHECK(Breaks("breaking-new-status-value.json") ==
        std::vector<std::string>{
            "breaking change to CommentUpdated v1, field data.status: changed type from string "
            "(pending|approved|rejected) to string (pending|approved|rejected|hidden)"});
}

TEST_CASE("the contract check refuses making a field required or adding a required one",
          "[catalog][contract]") {
  CHECK(Breaks("breaking-made-required.json") ==
        std::vector<std::string>{"breaking change to CommentUpdated v1, field data.reason: became "
                                 "required: events stored without it would no longer decode"});
  const auto added = Breaks("breaking-new-required-field.json");
  REQUIRE(added.size() == 1);
  CHECK(added[0].find("field data.editedAt: added as a required field") != std::string::npos);
  // The other way round, a required field that became optional breaks v1's consumers.
  const auto optional = blog::ctl::CompareEventSchema(Fixture("breaking-made-required.json"),
                                                      Fixture("CommentUpdated.v1.json"));
  REQUIRE(optional.size() == 1);
  CHECK(optional[0].field == "data.reason");
  CHECK(optional[0].problem ==
        "became optional: consumers of this version expect it in every event");
}

TEST_CASE("a breaking change is accepted as a new major version beside the untouched old one",
          "[catalog][contract]") {
  const auto docs = TempDir();
  std::filesystem::create_directories(docs / "schemas/CommentUpdated");
  std::filesystem::copy_file(kFixtures / "CommentUpdated.v1.json",
                             docs / "schemas/CommentUpdated/v1.json");
  std::map<std::string, std::string> generated = {
      {"schemas/CommentUpdated/v1.json", Fixture("CommentUpdated.v1.json")},
      {"schemas/CommentUpdated/v2.json", Fixture("breaking-renamed-field.json")}};
  CHECK(blog::ctl::CheckContract(docs, generated).empty());

  // Changing v1 in place is caught even when v2 exists ...
  generated["schemas/CommentUpdated/v1.json"] = Fixture("breaking-changed-type.json");
  const auto in_place = blog::ctl::CheckContract(docs, generated);
  REQUIRE(in_place.size() == 1);
  CHECK(in_place[0].field == "data.version");
  // ... and so is dropping the old version, whose events are still stored.
  generated.erase("schemas/CommentUpdated/v1.json");
  const auto dropped = blog::ctl::CheckContract(docs, generated);
  REQUIRE(dropped.size() == 1);
  CHECK(dropped[0].Message() ==
        "breaking change to CommentUpdated v1: no longer in the catalog, but events of this "
        "version are stored and must stay readable: keep its struct in event_history.hpp");
  std::filesystem::remove_all(docs);
}

TEST_CASE("blogctl schema refuses to write over a breaking change and says what to do",
          "[catalog][contract][blogctl]") {
  // A docs folder whose committed CommentUpdated v1 differs from the catalog's in a breaking way,
  // as if the catalog had changed a field's type since that contract was committed.
  const auto docs = TempDir();
  std::ostringstream out;
  std::ostringstream err;
  REQUIRE(blog::ctl::RunBlogctl({"schema", "--out", docs.string()}, out, err) == 0);
  const auto file = docs / "schemas/CommentUpdated/v1.json";
  std::string committed = blog::ctl::GenerateEventDocs().at("schemas/CommentUpdated/v1.json");
  const std::string integer = R"("version": {
          "type": "integer")";
  REQUIRE(committed.find(integer) != std::string::npos);
  committed.replace(committed.find(integer), integer.size(), R"("version": {
          "type": "string")");
  std::ofstream(file, std::ios::binary | std::ios::trunc) << committed;
  std::filesystem::remove(docs / "asyncapi.yaml");

  std::ostringstream check;
  CHECK(blog::ctl::RunBlogctl({"schema", "--out", docs.string(), "--check"}, check, err) == 1);
  CHECK(check.str().find("breaking change to CommentUpdated v1, field data.version: changed type "
                         "from string to integer\n") == 0);
  CHECK(check.str().find("a version may only gain optional fields") != std::string::npos);

  std::ostringstream write;
  CHECK(blog::ctl::RunBlogctl({"schema", "--out", docs.string()}, write, err) == 1);
  CHECK(write.str().find("nothing written") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(docs / "asyncapi.yaml"));
  std::filesystem::remove_all(docs);
}
