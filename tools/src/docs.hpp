// The event documents generated from the catalog (common/catalog.hpp):
//   asyncapi.yaml, asyncapi.json   AsyncAPI 3.0: a channel per subject, a message per event type
//                                  and version ("CommentCreated.v2") with its schema and an
//                                  example, a send/receive operation per producing/consuming
//                                  service, and the dead-letter channel
//   schemas/<Type>/v<N>.json       JSON Schema (draft 2020-12) of each version of each event, with
//                                  an example; its $id is the events' `dataschema`
// Deterministic: the same catalog always gives byte-identical files (checked in CI). The schema
// files are also the contract that later catalogs must stay compatible with (contract.hpp).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace blog::ctl {

// Relative path -> file content.
std::map<std::string, std::string> GenerateEventDocs();

// "schemas/<Type>/v<N>.json": where version `version` of `type` is documented.
std::string SchemaFile(std::string_view type, int version);

}  // namespace blog::ctl
