#include "contract.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace blog::ctl {
namespace {

using rapidjson::Value;

std::string Compact(const Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string Text(const Value& object, const char* key) {
  const auto it = object.FindMember(key);
  return it != object.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

const Value* Object(const Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  const auto it = object.FindMember(key);
  return it != object.MemberEnd() && it->value.IsObject() ? &it->value : nullptr;
}

std::set<std::string> Names(const Value* array) {
  std::set<std::string> out;
  if (array == nullptr || !array->IsArray()) return out;
  for (const auto& v : array->GetArray()) {
    if (v.IsString()) out.insert(v.GetString());
  }
  return out;
}

const Value* Array(const Value& object, const char* key) {
  const auto it = object.FindMember(key);
  return it != object.MemberEnd() && it->value.IsArray() ? &it->value : nullptr;
}

// A field's schema without its description: what a decoder checks.
Value TypeOnly(const Value& field, rapidjson::Document::AllocatorType& a) {
  Value copy(field, a);
  if (copy.IsObject()) copy.RemoveMember("description");
  return copy;
}

// "string (pending|approved|rejected)", "integer", or the schema as JSON.
std::string Readable(const Value& type_only) {
  if (!type_only.IsObject()) return Compact(type_only);
  const std::string type = Text(type_only, "type");
  const Value* values = Array(type_only, "enum");
  const std::size_t keys = type_only.MemberCount();
  if (!type.empty() && keys == 1) return type;
  if (!type.empty() && values != nullptr && keys == 2) {
    std::string list;
    for (const auto& v : values->GetArray()) {
      list += (list.empty() ? "" : "|") + (v.IsString() ? std::string(v.GetString()) : Compact(v));
    }
    return type + " (" + list + ")";
  }
  return Compact(type_only);
}

std::string Quote(const std::string& text) { return "\"" + text + "\""; }

struct Comparison {
  std::string event;
  std::vector<ContractBreak> breaks;
  void Add(std::string field, std::string problem) {
    breaks.push_back({event, std::move(field), std::move(problem)});
  }
};

// Everything but `data` and the descriptions: specversion, id, type, dataschema, ... and which
// of them are required.
void CompareEnvelope(const Value& committed, const Value& generated, Comparison& out) {
  rapidjson::Document scratch;
  auto& a = scratch.GetAllocator();
  const Value* old_props = Object(committed, "properties");
  const Value* new_props = Object(generated, "properties");
  if (old_props == nullptr || new_props == nullptr) return;
  for (const auto& m : old_props->GetObject()) {
    const std::string name = m.name.GetString();
    if (name == "data") continue;
    const auto it = new_props->FindMember(m.name);
    if (it == new_props->MemberEnd()) {
      out.Add(name, "envelope attribute removed");
    } else if (TypeOnly(m.value, a) != TypeOnly(it->value, a)) {
      out.Add(name, "envelope attribute changed from " + Readable(TypeOnly(m.value, a)) + " to " +
                        Readable(TypeOnly(it->value, a)));
    }
  }
  const auto old_required = Names(Array(committed, "required"));
  for (const auto& name : Names(Array(generated, "required"))) {
    if (old_required.count(name) == 0) {
      out.Add(name,
              "envelope attribute became required: events stored without it would no "
              "longer fit");
    }
  }
  if (Text(committed, "description") != Text(generated, "description")) {
    out.Add("", "description (type, version and subject) changed from " +
                    Quote(Text(committed, "description")) + " to " +
                    Quote(Text(generated, "description")));
  }
}

void CompareData(const Value& committed, const Value& generated, Comparison& out) {
  rapidjson::Document scratch;
  auto& a = scratch.GetAllocator();
  const Value empty(rapidjson::kObjectType);
  const Value* old_props = Object(committed, "properties");
  const Value* new_props = Object(generated, "properties");
  if (old_props == nullptr) old_props = &empty;
  if (new_props == nullptr) new_props = &empty;
  const auto old_required = Names(Array(committed, "required"));
  const auto new_required = Names(Array(generated, "required"));
  std::vector<std::string> added;
  for (const auto& m : new_props->GetObject()) {
    if (!old_props->HasMember(m.name)) added.emplace_back(m.name.GetString());
  }
  for (const auto& m : old_props->GetObject()) {
    const std::string name = m.name.GetString();
    const std::string path = "data." + name;
    const auto it = new_props->FindMember(m.name);
    if (it == new_props->MemberEnd()) {
      std::string problem = "removed or renamed";
      if (!added.empty()) {
        std::string list;
        for (const auto& n : added) list += (list.empty() ? "" : ", ") + Quote(n);
        problem += " (the catalog now has " + list + " instead?)";
      }
      out.Add(path, problem + ": consumers of this version read it");
      continue;
    }
    const Value old_type = TypeOnly(m.value, a);
    const Value new_type = TypeOnly(it->value, a);
    if (old_type != new_type) {
      out.Add(path, "changed type from " + Readable(old_type) + " to " + Readable(new_type));
    }
    const std::string old_meaning = Text(m.value, "description");
    const std::string new_meaning = Text(it->value, "description");
    if (old_meaning != new_meaning) {
      out.Add(path, "changed meaning from " + Quote(old_meaning) + " to " + Quote(new_meaning));
    }
    const bool was_required = old_required.count(name) > 0;
    const bool is_required = new_required.count(name) > 0;
    if (!was_required && is_required) {
      out.Add(path, "became required: events stored without it would no longer decode");
    } else if (was_required && !is_required) {
      out.Add(path, "became optional: consumers of this version expect it in every event");
    }
  }
  for (const auto& name : added) {
    if (new_required.count(name) > 0) {
      out.Add("data." + name,
              "added as a required field: events stored without it would no longer decode "
              "(make it a std::optional member to add it to this version)");
    }
  }
}

std::string ReadWhole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "CommentUpdated v1" from "schemas/CommentUpdated/v1.json".
std::string EventOfPath(const std::filesystem::path& relative) {
  return relative.parent_path().filename().string() + " " + relative.stem().string();
}

}  // namespace

std::string ContractBreak::Message() const {
  return "breaking change to " + event + (field.empty() ? "" : ", field " + field) + ": " + problem;
}

std::vector<ContractBreak> CompareEventSchema(std::string_view committed,
                                              std::string_view generated) {
  rapidjson::Document old_doc;
  rapidjson::Document new_doc;
  old_doc.Parse(committed.data(), committed.size());
  new_doc.Parse(generated.data(), generated.size());
  Comparison out;
  if (old_doc.HasParseError() || !old_doc.IsObject() || new_doc.HasParseError() ||
      !new_doc.IsObject()) {
    out.event = "an event";
    out.Add("", "the committed schema is not a JSON Schema of an event: restore it from git");
    return out.breaks;
  }
  out.event = Text(old_doc, "title").empty() ? Text(new_doc, "title") : Text(old_doc, "title");
  if (Text(old_doc, "$id") != Text(new_doc, "$id")) {
    out.Add("", "$id changed from " + Quote(Text(old_doc, "$id")) + " to " +
                    Quote(Text(new_doc, "$id")));
  }
  CompareEnvelope(old_doc, new_doc, out);
  const Value* old_props = Object(old_doc, "properties");
  const Value* new_props = Object(new_doc, "properties");
  const Value empty(rapidjson::kObjectType);
  const Value* old_data = old_props != nullptr ? Object(*old_props, "data") : nullptr;
  const Value* new_data = new_props != nullptr ? Object(*new_props, "data") : nullptr;
  CompareData(old_data != nullptr ? *old_data : empty, new_data != nullptr ? *new_data : empty,
              out);
  return out.breaks;
}

std::vector<ContractBreak> CheckContract(const std::filesystem::path& docs_dir,
                                         const std::map<std::string, std::string>& generated) {
  std::vector<ContractBreak> breaks;
  const auto schemas = docs_dir / "schemas";
  if (!std::filesystem::is_directory(schemas)) return breaks;
  std::vector<std::filesystem::path> committed;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(schemas)) {
    const auto relative = std::filesystem::relative(entry.path(), docs_dir);
    // Only versioned schemas (schemas/<Type>/v<N>.json) are contracts.
    if (entry.is_regular_file() && entry.path().extension() == ".json" &&
        relative.parent_path().parent_path() == "schemas") {
      committed.push_back(relative);
    }
  }
  std::sort(committed.begin(), committed.end());
  for (const auto& relative : committed) {
    const auto it = generated.find(relative.generic_string());
    if (it == generated.end()) {
      breaks.push_back({EventOfPath(relative), "",
                        "no longer in the catalog, but events of this version are stored and "
                        "must stay readable: keep its struct in event_history.hpp"});
      continue;
    }
    for (auto& b : CompareEventSchema(ReadWhole(docs_dir / relative), it->second)) {
      breaks.push_back(std::move(b));
    }
  }
  return breaks;
}

std::string ContractAdvice(const std::vector<ContractBreak>& breaks) {
  std::set<std::string> events;
  for (const auto& b : breaks) events.insert(b.event);
  std::string list;
  for (const auto& e : events) list += (list.empty() ? "" : ", ") + e;
  return "The committed schemas in docs/schemas are the contract of stored events and running "
         "consumers (" +
         list +
         "): a version may only gain optional fields. Undo the change, or "
         "give the event a new major version: raise kVersion in events.hpp, keep the old struct "
         "unchanged in event_history.hpp with an Upcast() to the new one, and run `blogctl "
         "schema` (docs/README.md, \"Event versions\").";
}

}  // namespace blog::ctl
