// The event documents generated from the catalog (common/catalog.hpp):
//   asyncapi.yaml, asyncapi.json   AsyncAPI 3.0: a channel per subject, a message per event type
//                                  with its schema and an example, a send/receive operation per
//                                  producing/consuming service, and the dead-letter channel
//   schemas/<Type>.json            JSON Schema (draft 2020-12) of each event, with its example
// Deterministic: the same catalog always gives byte-identical files (checked in CI).
#pragma once

#include <map>
#include <string>

namespace blog::ctl {

// Relative path -> file content.
std::map<std::string, std::string> GenerateEventDocs();

}  // namespace blog::ctl
