#include "common/codec.hpp"

#include <catch2/catch.hpp>

using namespace blog;

namespace {

const EventMeta kMeta{.id = "0b1e6f2a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                      .source = "/comments",
                      .time = "2026-11-28T12:00:00.123Z"};

std::string Envelope(const std::string& type, const std::string& data) {
  return R"({"specversion":"1.0","id":"e1","source":"/test","type":")" + type +
         R"(","time":"2026-11-28T12:00:00.123Z","datacontenttype":"application/json","data":)" +
         data + "}";
}

std::string FieldOfDecodeError(const std::string& bytes) {
  try {
    DecodeEvent(bytes);
  } catch (const DecodeError& e) {
    return e.Field();
  }
  return "<decoded>";
}

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
  CHECK(
      std::get<CommentCreated>(
          DecodeEvent(EncodeEvent(CommentCreated{"c", "p", "x", CommentStatus::kPending, 0}, kMeta))
              .event)
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
        R"("type":"PostCreated","time":"2026-11-28T12:00:00.123Z","datacontenttype":)"
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
