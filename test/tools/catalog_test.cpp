// The event catalog: flow table, schemas and examples derived from the event structs.
#include "common/catalog.hpp"

#include <algorithm>
#include <set>
#include <string>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "common/codec.hpp"
#include "common/events.hpp"

namespace {

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

std::vector<std::string> Strings(const rapidjson::Value& array) {
  std::vector<std::string> out;
  for (const auto& v : array.GetArray()) out.emplace_back(v.GetString());
  return out;
}

}  // namespace

TEST_CASE("the catalog lists every event of AnyEvent in order with its subject", "[catalog]") {
  const auto& catalog = blog::EventCatalog();
  REQUIRE(catalog.size() == std::variant_size_v<blog::AnyEvent>);
  CHECK(catalog[0].type == "PostCreated");
  CHECK(catalog[0].subject == blog::PostCreated::kSubject);
  CHECK(catalog[1].type == "CommentCreated");
  CHECK(catalog[2].type == "CommentModerated");
  CHECK(catalog[3].type == "CommentUpdated");
  CHECK(catalog[3].subject == "blog.comment.updated");
  CHECK(blog::FindEvent("CommentModerated") == &catalog[2]);
  CHECK(blog::FindEvent("NoSuchEvent") == nullptr);
}

TEST_CASE("the flow names the producer and consumers of each event", "[catalog]") {
  using V = std::vector<std::string>;
  CHECK(blog::FindEvent("PostCreated")->producers == V{"posts"});
  CHECK(blog::FindEvent("PostCreated")->consumers == V{"comments", "query"});
  CHECK(blog::FindEvent("CommentCreated")->producers == V{"comments"});
  CHECK(blog::FindEvent("CommentCreated")->consumers == V{"moderation", "query"});
  CHECK(blog::FindEvent("CommentModerated")->producers == V{"moderation"});
  CHECK(blog::FindEvent("CommentModerated")->consumers == V{"comments"});
  CHECK(blog::FindEvent("CommentUpdated")->producers == V{"comments"});
  CHECK(blog::FindEvent("CommentUpdated")->consumers == V{"query"});
  CHECK(blog::CatalogServices() == V{"posts", "comments", "moderation", "query"});
  CHECK(blog::ConsumedBy("query") == V{"PostCreated", "CommentCreated", "CommentUpdated"});
  CHECK(blog::ConsumedBy("posts").empty());
  CHECK(blog::PublishedBy("comments") == V{"CommentCreated", "CommentUpdated"});
  CHECK(blog::ConsumedBy("nobody").empty());
}

TEST_CASE("every event has exactly one producer", "[catalog]") {
  for (const auto& e : blog::EventCatalog()) {
    INFO(e.type);
    CHECK(e.producers.size() == 1);
  }
}

TEST_CASE("an event schema requires every envelope attribute and every required data field",
          "[catalog]") {
  for (const auto& e : blog::EventCatalog()) {
    for (const auto& v : e.versions) {
      INFO(e.type << " v" << v.version);
      const auto schema = Json(v.schema_json);
      CHECK(std::string(schema["$schema"].GetString()) ==
            "https://json-schema.org/draft/2020-12/schema");
      CHECK(std::string(schema["$id"].GetString()) == v.dataschema);
      CHECK(v.dataschema ==
            "https://blog.example/schemas/" + e.type + "/v" + std::to_string(v.version) + ".json");
      const auto required = Strings(schema["required"]);
      for (const char* key :
           {"specversion", "id", "source", "type", "time", "datacontenttype", "data"}) {
        CHECK(std::find(required.begin(), required.end(), key) != required.end());
      }
      // Events stored before versions existed have no dataschema: only v1 lets it be absent.
      CHECK((std::find(required.begin(), required.end(), "dataschema") != required.end()) ==
            (v.version > 1));
      CHECK(std::string(schema["properties"]["type"]["const"].GetString()) == e.type);
      CHECK(std::string(schema["properties"]["dataschema"]["const"].GetString()) == v.dataschema);
      const auto& data = schema["properties"]["data"];
      std::vector<std::string> expected;
      for (const auto& f : v.fields) {
        if (std::find(v.optional.begin(), v.optional.end(), f) == v.optional.end()) {
          expected.push_back(f);
        }
      }
      CHECK(Strings(data["required"]) == expected);
      CHECK(data["properties"].MemberCount() == v.fields.size());
      for (const auto& f : v.fields) {
        INFO(f);
        CHECK(std::string(data["properties"][f.c_str()]["description"].GetString()).size() > 5);
      }
      CHECK(Json(v.data_schema_json) == data);
    }
  }
}

TEST_CASE("the catalog lists every version of an event, oldest first, the current one last",
          "[catalog]") {
  const auto& created = *blog::FindEvent("CommentCreated");
  REQUIRE(created.versions.size() == 2);
  CHECK(created.versions[0].version == 1);
  CHECK(created.Current().version == blog::CommentCreated::kVersion);
  CHECK(created.versions[0].fields ==
        std::vector<std::string>{"id", "postId", "content", "status", "version"});
  CHECK(created.Current().fields == std::vector<std::string>{"id", "postId", "content", "version"});
  const auto& updated = *blog::FindEvent("CommentUpdated");
  REQUIRE(updated.versions.size() == 1);
  CHECK(updated.Current().optional == std::vector<std::string>{"reason"});
}

TEST_CASE("field schemas follow the member types: string, integer and the status enum",
          "[catalog]") {
  const auto schema = Json(blog::FindEvent("CommentModerated")->Current().schema_json);
  const auto& props = schema["properties"]["data"]["properties"];
  CHECK(std::string(props["postId"]["type"].GetString()) == "string");
  CHECK(std::string(props["reason"]["type"].GetString()) == "string");
  CHECK(std::string(props["version"]["type"].GetString()) == "integer");
  CHECK(std::string(props["status"]["type"].GetString()) == "string");
  CHECK(Strings(props["status"]["enum"]) ==
        std::vector<std::string>{"pending", "approved", "rejected"});
  for (const auto& status : Strings(props["status"]["enum"])) {
    CHECK(blog::ParseCommentStatus(status).has_value());
  }
}

TEST_CASE("the data fields listed are the ones the codec writes", "[catalog]") {
  for (const auto& e : blog::EventCatalog()) {
    for (const auto& v : e.versions) {
      INFO(e.type << " v" << v.version);
      const auto example = Json(v.example_json);
      std::vector<std::string> written;
      for (const auto& m : example["data"].GetObject()) written.emplace_back(m.name.GetString());
      CHECK(written == v.fields);
    }
  }
}

TEST_CASE("each example is a complete event that the codec decodes, older versions upcast",
          "[catalog]") {
  for (const auto& e : blog::EventCatalog()) {
    for (const auto& v : e.versions) {
      INFO(e.type << " v" << v.version << ": " << v.example_json);
      const auto decoded = blog::DecodeEvent(v.example_json);
      CHECK(blog::TypeOf(decoded.event) == e.type);
      CHECK(decoded.stored_version == v.version);
      CHECK(decoded.meta.source == "/" + e.producers.front());
      if (v.version == e.Current().version) {
        CHECK(blog::EncodeEvent(decoded.event, decoded.meta) == v.example_json);
      }
    }
  }
}

TEST_CASE("examples about one post share its id", "[catalog]") {
  const auto post = Json(blog::FindEvent("PostCreated")->Current().example_json);
  const auto comment = Json(blog::FindEvent("CommentCreated")->Current().example_json);
  const auto updated = Json(blog::FindEvent("CommentUpdated")->Current().example_json);
  CHECK(std::string(post["data"]["id"].GetString()) == comment["data"]["postId"].GetString());
  CHECK(std::string(comment["data"]["id"].GetString()) == updated["data"]["id"].GetString());
  CHECK(std::string(comment["id"].GetString()) != updated["id"].GetString());
}
