// How blogctl shows one stored message: a readable line, or a JSON object.
#pragma once

#include <string>

#include <rapidjson/document.h>

#include "common/stream_reader.hpp"

namespace blog::ctl {

// "#12  2026-11-28T12:00:00.123Z  CommentCreated  id=… postId=… content="…" version=0
//  (/comments, trace 4bf9…)"; an event stored in an older version than this build's shows
// "CommentCreated [stored as v1]" and its fields as upcast; an undecodable body is shown with
// its error.
std::string EventLine(const StoredMessage& message);

// The data fields of an event body as "key=value" pairs, or "undecodable: <error>".
std::string EventFields(const std::string& body);

// {"sequence","subject","stored","headers":{…},"event":{…}} plus "error" (and "body" when it is
// not JSON) for an undecodable body.
rapidjson::Value MessageJson(rapidjson::Document& doc, const StoredMessage& message);

// "CommentCreated 1d2c…" (type and event id) or "?" when undecodable.
struct EventIdentity {
  std::string type;
  std::string id;
  std::string error;  // empty when the body decodes
};
EventIdentity Identify(const std::string& body);

}  // namespace blog::ctl
