#include "common/codec.hpp"

#include <catch2/catch.hpp>

using namespace blog;

namespace {

const EventMeta kMeta{.id = "0b1e6f2a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                      .source = "/comments",
                      .time = "2026-11-28T12:00:00.123Z"};

// An event naming version `dataschema` of its data; without one (as stored before versions
// existed) it is read as v1.
std::string Versioned(const std::string& type, const std::string& dataschema,
                      const std::string& data) {
  const std::string schema = dataschema.empty() ? "" : R"(","dataschema":")" + dataschema;
  return R"({"specversion":"1.0","id":"e1","source":"/test","type":")" + type + schema +
         R"(","time":"2026-11-28T12:00:00.123Z","datacontenttype":"application/json","data":)" +
         data + "}";
}

std::string Envelope(const std::string& type, const std::string& data) {
  return Versioned(type, "", data);
}

// The error decoding `bytes` gives: its field, or its message with `message`.
std::string DecodeErrorOf(const std::string& bytes, bool message = false) {
  try {
    DecodeEvent(bytes);
  } catch (const DecodeError& e) {
    return message ? e.what() : e.Field();
  }
  return "<decoded>";
}

std::string FieldOfDecodeError(const std::string& bytes) { return DecodeErrorOf(bytes); }
std::string MessageOfDecodeError(const std::string& bytes) { return DecodeErrorOf(bytes, true); }

}  // namespace

TEST_CASE("every catalog event survives an encode and decode round trip", "[codec]") {
  const CommentModerated moderated{.id = "c1",
                                   .post_id = "p1",
                                   .content = "I like oranges",
                                   .status = CommentStatus::kRejected,
                                   .reason = "banned word",
                                   .version = 3};
  const auto decoded = DecodeEvent(EncodeEvent(moderated, kMeta));
  REQUIRE(decoded.meta.id == kMeta.id);
  REQUIRE(decoded.meta.source == "/comments");
  REQUIRE(decoded.meta.time == kMeta.time);
  const auto& back = std::get<CommentModerated>(decoded.event);
  CHECK(back.id == "c1");
  CHECK(back.post_id == "p1");
  CHECK(back.content == "I like oranges");
  CHECK(back.status == CommentStatus::kRejected);
  CHECK(back.reason == "banned word");
  CHECK(back.version == 3);

  CHECK(std::get<PostCreated>(DecodeEvent(EncodeEvent(PostCreated{"p", "t", 0}, kMeta)).event)
            .title == "t");
  CHECK(std::get<CommentCreated>(
            DecodeEvent(EncodeEvent(CommentCreated{"c", "p", "x", 0}, kMeta)).event)
            .post_id == "p");
  CHECK(std::get<CommentUpdated>(
            DecodeEvent(
                EncodeEvent(CommentUpdated{"c", "p", "x", CommentStatus::kApproved, 1}, kMeta))
                .event)
            .status == CommentStatus::kApproved);
}

TEST_CASE("the envelope is CloudEvents structured JSON with the course's keys", "[codec]") {
  const std::string json = EncodeEvent(PostCreated{"p1", "Hello", 0}, kMeta);
  CHECK(json ==
        R"({"specversion":"1.0","id":"0b1e6f2a-1c2d-4e5f-8a9b-0c1d2e3f4a5b","source":"/comments",)"
        R"("type":"PostCreated","dataschema":"https://blog.example/schemas/PostCreated/v1.json",)"
        R"("time":"2026-11-28T12:00:00.123Z","datacontenttype":)"
        R"("application/json","data":{"id":"p1","title":"Hello","version":0}})");
}

TEST_CASE("decoding names the missing data field", "[codec]") {
  CHECK(FieldOfDecodeError(Envelope(
            "CommentCreated", R"({"id":"c","content":"x","status":"pending","version":0})")) ==
        "data.postId");
}

TEST_CASE("decoding names a mistyped field", "[codec]") {
  CHECK(FieldOfDecodeError(Envelope("PostCreated", R"({"id":"p","title":7,"version":0})")) ==
        "data.title");
  CHECK(FieldOfDecodeError(Envelope("PostCreated", R"({"id":"p","title":"t","version":"0"})")) ==
        "data.version");
  CHECK(FieldOfDecodeError(
            Envelope("CommentUpdated",
                     R"({"id":"c","postId":"p","content":"x","status":"maybe","version":1})")) ==
        "data.status");
}

TEST_CASE("decoding refuses an unknown event type", "[codec]") {
  CHECK(FieldOfDecodeError(Envelope("PostDeleted", R"({"id":"p"})")) == "type");
}

TEST_CASE("decoding refuses envelopes without their attributes", "[codec]") {
  CHECK(FieldOfDecodeError(R"({"id":"e","source":"/x","type":"PostCreated","data":{}})") ==
        "specversion");
  CHECK(FieldOfDecodeError(
            R"({"specversion":"0.3","id":"e","source":"/x","type":"PostCreated","data":{}})") ==
        "specversion");
  CHECK(FieldOfDecodeError(R"({"specversion":"1.0","source":"/x","type":"PostCreated"})") == "id");
  CHECK(FieldOfDecodeError(
            R"({"specversion":"1.0","id":"e","source":"/x","type":"PostCreated"})") == "data");
}

TEST_CASE("decoding refuses invalid JSON, invalid UTF-8 and oversized payloads", "[codec]") {
  CHECK_THROWS_AS(DecodeEvent("{\"specversion\":"), DecodeError);
  CHECK_THROWS_AS(DecodeEvent("[1,2]"), DecodeError);
  const std::string bad_utf8 =
      Envelope("PostCreated", "{\"id\":\"p\",\"title\":\"\xC3\x28\",\"version\":0}");
  CHECK_THROWS_WITH(DecodeEvent(bad_utf8), Catch::Contains("invalid JSON"));
  const std::string lone_surrogate =
      Envelope("PostCreated", R"({"id":"p","title":"\udc00","version":0})");
  CHECK_THROWS_WITH(DecodeEvent(lone_surrogate), "data.title is not valid UTF-8");
  const std::string huge =
      Envelope("PostCreated",
               R"({"id":"p","title":")" + std::string(kMaxEventBytes, 'x') + R"(","version":0})");
  CHECK_THROWS_WITH(DecodeEvent(huge), Catch::Contains("exceeds the limit"));
}

TEST_CASE("decoding ignores unknown extra keys from a newer producer", "[codec]") {
  const auto decoded =
      DecodeEvent(Envelope("PostCreated", R"({"id":"p","title":"t","version":0,"tags":["new"]})"));
  CHECK(std::get<PostCreated>(decoded.event).title == "t");
}

TEST_CASE("an event stored without dataschema is read as v1 and upcast to the current struct",
          "[codec]") {
  const auto decoded = DecodeEvent(Envelope(
      "CommentCreated", R"({"id":"c","postId":"p","content":"x","status":"pending","version":0})"));
  CHECK(decoded.stored_version == 1);
  const auto& comment = std::get<CommentCreated>(decoded.event);
  CHECK(comment.id == "c");
  CHECK(comment.post_id == "p");
  CHECK(comment.content == "x");
  CHECK(comment.version == 0);
}

TEST_CASE("a v1 event names its schema and still decodes after v2 exists", "[codec]") {
  const auto v1 = DecodeEvent(
      Versioned("CommentCreated", "https://blog.example/schemas/CommentCreated/v1.json",
                R"({"id":"c","postId":"p","content":"x","status":"pending","version":0})"));
  CHECK(v1.stored_version == 1);
  // v1 requires its status: the old contract is read as it was.
  CHECK(FieldOfDecodeError(
            Versioned("CommentCreated", "https://blog.example/schemas/CommentCreated/v1.json",
                      R"({"id":"c","postId":"p","content":"x","version":0})")) == "data.status");
}

TEST_CASE("the current version is encoded with its dataschema and read back as itself", "[codec]") {
  const std::string json = EncodeEvent(CommentCreated{"c", "p", "x", 0}, kMeta);
  CHECK(json.find(R"("dataschema":"https://blog.example/schemas/CommentCreated/v2.json")") !=
        std::string::npos);
  CHECK(json.find("status") == std::string::npos);
  const auto decoded = DecodeEvent(json);
  CHECK(decoded.stored_version == CommentCreated::kVersion);
  CHECK(std::get<CommentCreated>(decoded.event).post_id == "p");
}

TEST_CASE("a version newer than this build is refused with what to do about it", "[codec]") {
  const std::string v3 =
      Versioned("CommentCreated", "https://blog.example/schemas/CommentCreated/v3.json",
                R"({"id":"c","postId":"p","content":"x","version":0})");
  CHECK(FieldOfDecodeError(v3) == "dataschema");
  CHECK(MessageOfDecodeError(v3) ==
        "CommentCreated v3 is newer than this build, which reads up to v2: upgrade this "
        "consumer, then requeue the event");
  CHECK(MessageOfDecodeError(
            Versioned("PostCreated", "https://blog.example/schemas/PostCreated/v0.json", "{}")) ==
        "dataschema 'https://blog.example/schemas/PostCreated/v0.json' does not name a version "
        "of PostCreated (https://blog.example/schemas/PostCreated/v1.json, ...)");
}

TEST_CASE("a dataschema of another event or another site is refused", "[codec]") {
  const std::string data = R"({"id":"p","title":"t","version":0})";
  CHECK(FieldOfDecodeError(Versioned(
            "PostCreated", "https://blog.example/schemas/CommentCreated/v1.json", data)) ==
        "dataschema");
  CHECK(FieldOfDecodeError(Versioned("PostCreated", "https://elsewhere/PostCreated/v1.json",
                                     data)) == "dataschema");
  CHECK(FieldOfDecodeError(R"({"specversion":"1.0","id":"e","source":"/x","type":"PostCreated",)"
                           R"("dataschema":7,"data":{}})") == "dataschema");
}

TEST_CASE("an optional field is left out when empty and read as absent when missing", "[codec]") {
  CommentUpdated updated{.id = "c",
                         .post_id = "p",
                         .content = "x",
                         .status = CommentStatus::kApproved,
                         .version = 1,
                         .reason = std::nullopt};
  const std::string without = EncodeEventData(updated);
  CHECK(without == R"({"id":"c","postId":"p","content":"x","status":"approved","version":1})");
  CHECK_FALSE(std::get<CommentUpdated>(DecodeEventData("CommentUpdated", without)).reason);

  updated.status = CommentStatus::kRejected;
  updated.reason = "contains orange";
  const std::string with = EncodeEventData(updated);
  CHECK(with == R"({"id":"c","postId":"p","content":"x","status":"rejected","version":1,)"
                R"("reason":"contains orange"})");
  CHECK(std::get<CommentUpdated>(DecodeEventData("CommentUpdated", with)).reason ==
        "contains orange");
  // Present, it is checked like any field.
  CHECK(
      FieldOfDecodeError(Envelope(
          "CommentUpdated",
          R"({"id":"c","postId":"p","content":"x","status":"rejected","version":1,"reason":5})")) ==
      "data.reason");
}
