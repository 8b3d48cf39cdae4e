#include "args.hpp"

#include <algorithm>

namespace blog::ctl {

std::int64_t ParseInt(const std::string& text, const std::string& what, std::int64_t min,
                      std::int64_t max) {
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c >= '0' && c <= '9';
  }) && text.size() <= 18;
  if (!digits) throw UsageError(what + " must be a whole number, not '" + text + "'");
  const std::int64_t value = std::stoll(text);
  if (value < min || value > max) {
    throw UsageError(what + " must be between " + std::to_string(min) + " and " +
                     std::to_string(max) + ", not " + text);
  }
  return value;
}

Args::Args(const std::vector<std::string>& words, const std::vector<OptionSpec>& options) {
  const auto find = [&](const std::string& name) -> const OptionSpec* {
    static const OptionSpec kJson{"json", "", ""};
    static const OptionSpec kHelp{"help", "", ""};
    if (name == "json") return &kJson;
    if (name == "help") return &kHelp;
    for (const auto& o : options) {
      if (o.name == name) return &o;
    }
    return nullptr;
  };
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "-h") {
      values_["help"] = "";
      continue;
    }
    if (word.rfind("--", 0) != 0 || word == "--") {
      positionals_.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const OptionSpec* spec = find(name);
    if (spec == nullptr) throw UsageError("unknown option --" + name);
    if (spec->value.empty()) {
      if (inline_value) throw UsageError("option --" + name + " takes no value");
      values_[name] = "";
    } else if (inline_value) {
      values_[name] = *inline_value;
    } else {
      if (i + 1 >= words.size()) {
        throw UsageError("option --" + name + " needs a value (" + spec->value + ")");
      }
      values_[name] = words[++i];
    }
  }
}

std::optional<std::string> Args::Value(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::int64_t Args::Int(const std::string& name, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const {
  const auto value = Value(name);
  if (!value) return fallback;
  return ParseInt(*value, "--" + name, min, max);
}

}  // namespace blog::ctl
