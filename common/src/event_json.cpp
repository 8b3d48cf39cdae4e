#include "event_json.hpp"

#include "common/json.hpp"

namespace blog::event_json {

void WriteValue(Writer& w, std::string_view value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void WriteValue(Writer& w, std::int64_t value) { w.Int64(value); }
void WriteValue(Writer& w, CommentStatus value) { WriteValue(w, ToString(value)); }

void ReadValue(const rapidjson::Value& v, const std::string& path, std::string& out) {
  if (!v.IsString()) throw DecodeError(path + " must be a string", path);
  out.assign(v.GetString(), v.GetStringLength());
  // The parser checks the bytes, not what \u escapes decode to (a lone surrogate).
  if (!IsValidUtf8(out)) throw DecodeError(path + " is not valid UTF-8", path);
}

void ReadValue(const rapidjson::Value& v, const std::string& path, std::int64_t& out) {
  if (!v.IsInt64()) throw DecodeError(path + " must be an integer", path);
  out = v.GetInt64();
}

void ReadValue(const rapidjson::Value& v, const std::string& path, CommentStatus& out) {
  std::string text;
  ReadValue(v, path, text);
  const auto status = ParseCommentStatus(text);
  if (!status) throw DecodeError(path + " must be pending, approved or rejected", path);
  out = *status;
}

const rapidjson::Value* Find(const rapidjson::Value& object, std::string_view name) {
  const auto it =
      object.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

}  // namespace blog::event_json
