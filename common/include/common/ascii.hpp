// ASCII case folding, for names and identifiers that are case-insensitive by protocol (HTTP
// header names, UUIDs, banned words). Bytes outside A-Z are kept as they are, so UTF-8 text
// passes through unchanged and the result never depends on the C locale.
#pragma once

#include <string>
#include <string_view>

namespace blog {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

inline std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

}  // namespace blog
