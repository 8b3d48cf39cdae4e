// A JSON value as block-style YAML 1.2 (the same data: a YAML parser reads back the JSON value).
// Strings are written plain when that cannot change their meaning, else double-quoted with JSON
// escapes, which YAML's double-quoted style shares.
#pragma once

#include <string>

#include <rapidjson/document.h>

namespace blog::ctl {

std::string ToYaml(const rapidjson::Value& value);

}  // namespace blog::ctl
