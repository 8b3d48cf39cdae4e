// docs/guide.md stays true: every C++ and CMake snippet names, in its first line, the compiled
// file it is cut from ("// examples/stats/main.cpp"), and its lines must appear there as they
// are, in one piece ("// ..." or "# ..." lines mark a cut: the pieces appear in that order).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace {

const std::filesystem::path kRoot = BLOG_SOURCE_DIR;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string ReadWhole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Snippet {
  std::size_t line = 0;  // of the opening fence in guide.md
  std::string language;
  std::vector<std::string> body;
};

std::vector<Snippet> Snippets(const std::vector<std::string>& guide) {
  std::vector<Snippet> out;
  for (std::size_t i = 0; i < guide.size(); ++i) {
    if (guide[i].rfind("```", 0) != 0 || guide[i].size() == 3) continue;
    Snippet s{i + 1, guide[i].substr(3), {}};
    for (++i; i < guide.size() && guide[i] != "```"; ++i) s.body.push_back(guide[i]);
    out.push_back(s);
  }
  return out;
}

// Whether `pieces` occur in `file` in order, each as consecutive whole lines.
bool Contains(const std::vector<std::string>& file,
              const std::vector<std::vector<std::string>>& pieces) {
  std::size_t from = 0;
  for (const auto& piece : pieces) {
    bool found = false;
    for (std::size_t start = from; !found && start + piece.size() <= file.size(); ++start) {
      found = std::equal(piece.begin(), piece.end(), file.begin() + static_cast<long>(start));
      if (found) from = start + piece.size();
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("every code snippet of the guide is cut from a compiled file", "[catalog][guide]") {
  const auto snippets = Snippets(Lines(ReadWhole(kRoot / "docs/guide.md")));
  std::size_t checked = 0;
  for (const auto& s : snippets) {
    if (s.language == "sh") continue;  // commands, not code
    INFO("docs/guide.md:" << s.line << " (" << s.language << ")");
    REQUIRE((s.language == "cpp" || s.language == "cmake"));
    const std::string comment = s.language == "cpp" ? "// " : "# ";
    REQUIRE(s.body.size() >= 2);
    REQUIRE(s.body[0].rfind(comment, 0) == 0);
    const std::string path = s.body[0].substr(comment.size());
    INFO("the snippet's source " << path);
    REQUIRE(std::filesystem::exists(kRoot / path));
    std::vector<std::vector<std::string>> pieces(1);
    for (std::size_t i = 1; i < s.body.size(); ++i) {
      if (s.body[i] == comment + "...") {
        pieces.emplace_back();
      } else {
        pieces.back().push_back(s.body[i]);
      }
    }
    CHECK(Contains(Lines(ReadWhole(kRoot / path)), pieces));
    ++checked;
  }
  CHECK(checked >= 8);  // the five sections show code
}
