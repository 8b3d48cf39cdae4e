#include "targets.hpp"

#include <fstream>
#include <sstream>

#include <rapidjson/document.h>

#include "common/errors.hpp"

#include "args.hpp"

namespace blog::ctl {
namespace {

// "HOST:PORT" -> host and port; false when it is not one.
bool SplitAddress(const std::string& address, std::string& host, int& port) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return false;
  const std::string digits = address.substr(colon + 1);
  if (digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  port = std::stoi(digits);
  host = address.substr(0, colon);
  return port > 0 && port < 65536;
}

std::string ServiceOf(const std::string& name) { return name.substr(0, name.find('-')); }

}  // namespace

Target ParseTarget(const std::string& text) {
  Target t;
  std::string address = text;
  if (const auto eq = text.find('='); eq != std::string::npos) {
    t.name = text.substr(0, eq);
    address = text.substr(eq + 1);
  }
  if (address.rfind("http://", 0) == 0) address.erase(0, 7);
  if (const auto slash = address.find('/'); slash != std::string::npos) {
    if (address.substr(slash) != "/metrics") {
      throw UsageError("target '" + text + "': only the /metrics path is read");
    }
    address.erase(slash);
  }
  if (!SplitAddress(address, t.host, t.port) || (t.name.empty() && text.find('=') == 0)) {
    throw UsageError("target '" + text + "' is not [NAME=]HOST:PORT (e.g. posts=127.0.0.1:4000)");
  }
  if (t.name.empty()) t.name = address;
  t.service = t.name == address ? address : ServiceOf(t.name);
  return t;
}

std::vector<Target> ReadTargetsFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    throw Error("cannot read the topology file " + path +
                " (./blog up writes it; or name the instances: blogctl top posts=HOST:PORT ...)");
  }
  std::stringstream text;
  text << file.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  const auto bad = [&](const std::string& why) { return Error(path + ": " + why); };
  if (doc.HasParseError() || !doc.IsArray()) throw bad("not a JSON array of target groups");
  std::vector<Target> out;
  for (const auto& group : doc.GetArray()) {
    if (!group.IsObject() || !group.HasMember("targets") || !group["targets"].IsArray()) {
      throw bad("a group has no \"targets\" array");
    }
    std::string service;
    std::string replica;
    if (group.HasMember("labels") && group["labels"].IsObject()) {
      const auto& labels = group["labels"];
      if (labels.HasMember("service") && labels["service"].IsString()) {
        service = labels["service"].GetString();
      }
      if (labels.HasMember("replica") && labels["replica"].IsString()) {
        replica = labels["replica"].GetString();
      }
    }
    for (const auto& address : group["targets"].GetArray()) {
      Target t;
      if (!address.IsString() || !SplitAddress(address.GetString(), t.host, t.port)) {
        throw bad("a target is not \"HOST:PORT\"");
      }
      t.service = service.empty() ? address.GetString() : service;
      t.name = replica.empty() ? address.GetString() : replica;
      out.push_back(std::move(t));
    }
  }
  if (out.empty()) throw bad("no targets");
  return out;
}

}  // namespace blog::ctl
