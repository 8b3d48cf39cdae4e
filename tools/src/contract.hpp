// The event contract: the committed docs/schemas/<Type>/v<N>.json are what running consumers and
// the stored events already rely on (the previous release's contract), so the schemas the catalog
// generates now must stay compatible with them:
// - a version may gain optional fields: old consumers ignore the new key, new consumers read the
//   events stored without it as "absent";
// - removing or renaming a field, changing its type (or its allowed values), its meaning (its
//   description) or whether it is required, adding a required field, or changing the envelope is
//   breaking: it needs a new major version of the event (events.hpp), which leaves the committed
//   schema of the old version as it is;
// - a committed version must still be generated: consumers must go on reading stored events of
//   that version.
// `blogctl schema` refuses to write over a breaking change, `blogctl schema --check` (the
// event_contract test) fails on one.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace blog::ctl {

struct ContractBreak {
  std::string event;    // "CommentUpdated v1"
  std::string field;    // "data.status", or empty when the whole version is concerned
  std::string problem;  // "changed type from string to integer"
  // "breaking change to CommentUpdated v1, field data.status: changed type from ..."
  std::string Message() const;
};

// Compares the committed schema of one version with the one generated now (both JSON Schema
// documents as written by GenerateEventDocs). A document that is not such a schema is reported
// as a break, never thrown.
std::vector<ContractBreak> CompareEventSchema(std::string_view committed,
                                              std::string_view generated);

// Compares every committed schema under `docs_dir`/schemas with `generated` (relative path ->
// content, as GenerateEventDocs returns it). An absent `docs_dir` has no contract yet: no breaks.
std::vector<ContractBreak> CheckContract(const std::filesystem::path& docs_dir,
                                         const std::map<std::string, std::string>& generated);

// What to do about `breaks` (non-empty): the rule and how to declare a new major version.
std::string ContractAdvice(const std::vector<ContractBreak>& breaks);

}  // namespace blog::ctl
