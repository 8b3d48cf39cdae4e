// blogctl schema [--out DIR] [--check]
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/errors.hpp"

#include "commands.hpp"
#include "contract.hpp"
#include "docs.hpp"
#include "output.hpp"

namespace blog::ctl {
namespace {

std::string ReadWhole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int Schema(Invocation& in) {
  const std::filesystem::path dir = in.args.Value("out").value_or("docs");
  const bool check = in.args.Has("check");
  std::vector<std::string> changed;
  const auto files = GenerateEventDocs();
  // The committed schemas are the contract: never written over by a breaking change.
  const auto breaks = CheckContract(dir, files);
  for (const auto& [relative, content] : files) {
    const auto path = dir / relative;
    const bool same = std::filesystem::exists(path) && ReadWhole(path) == content;
    if (!same) changed.push_back(path.string());
    if (check || same || !breaks.empty()) continue;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw Error("cannot write " + path.string());
  }
  if (in.args.json()) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    rapidjson::Value all(rapidjson::kArrayType);
    for (const auto& [relative, content] : files)
      all.PushBack(JsonString(doc, (dir / relative).string()), a);
    rapidjson::Value differing(rapidjson::kArrayType);
    for (const auto& path : changed) differing.PushBack(JsonString(doc, path), a);
    doc.AddMember("files", all, a);
    doc.AddMember(rapidjson::StringRef(check || !breaks.empty() ? "out_of_date" : "written"),
                  differing, a);
    rapidjson::Value breaking(rapidjson::kArrayType);
    for (const auto& b : breaks) {
      rapidjson::Value item(rapidjson::kObjectType);
      item.AddMember("event", JsonString(doc, b.event), a);
      item.AddMember("field", JsonString(doc, b.field), a);
      item.AddMember("problem", JsonString(doc, b.problem), a);
      item.AddMember("message", JsonString(doc, b.Message()), a);
      breaking.PushBack(item, a);
    }
    doc.AddMember("breaking", breaking, a);
    PrintJson(in.out, doc);
  } else if (!breaks.empty()) {
    for (const auto& b : breaks) in.out << b.Message() << "\n";
    in.out << ContractAdvice(breaks) << "\n";
    if (!check) in.out << "nothing written\n";
  } else if (check) {
    for (const auto& path : changed) in.out << "out of date: " << path << "\n";
    if (changed.empty())
      in.out << files.size() << " files in " << dir.string() << " are up to date\n";
    else
      in.out << "run `blogctl schema --out " << dir.string() << "` and commit the result\n";
  } else {
    for (const auto& [relative, content] : files) {
      const auto path = (dir / relative).string();
      const bool written = std::find(changed.begin(), changed.end(), path) != changed.end();
      in.out << (written ? "wrote     " : "unchanged ") << path << "\n";
    }
  }
  return !breaks.empty() || (check && !changed.empty()) ? 1 : 0;
}

}  // namespace blog::ctl
