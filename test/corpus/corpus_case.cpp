#include "corpus_case.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace blog::test::corpus {
namespace {

const std::vector<std::string> kAllServices = {"posts", "comments", "query", "moderation"};

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  std::string word;
  while (in >> word) out.push_back(word);
  return out;
}

long long ParseCount(const std::string& text, const std::string& what) {
  std::size_t used = 0;
  long long value = -1;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < 0) {
    throw std::runtime_error(what + ": '" + text + "' is not a count");
  }
  return value;
}

// Expands macros; `index` is the innermost $(repeat)'s iteration, -1 outside any.
class Expander {
 public:
  Expander(const std::string& post_id, long long body_length)
      : post_id_(post_id), body_length_(body_length) {}

  std::string Run(std::string_view text, long long index) const {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
      const std::size_t open = text.find("$(", pos);
      if (open == std::string_view::npos) {
        out.append(text.substr(pos));
        break;
      }
      out.append(text.substr(pos, open - pos));
      const std::size_t close = MatchingParen(text, open + 2);
      Macro(text.substr(open + 2, close - open - 2), index, out);
      pos = close + 1;
    }
    return out;
  }

 private:
  // The ")" closing the macro whose content starts at `from` (nested "$(" count).
  static std::size_t MatchingParen(std::string_view text, std::size_t from) {
    int depth = 1;
    for (std::size_t i = from; i < text.size(); ++i) {
      if (text.compare(i, 2, "$(") == 0) {
        ++depth;
        ++i;
      } else if (text[i] == ')' && --depth == 0) {
        return i;
      }
    }
    throw std::runtime_error("unclosed $( in '" + std::string(text.substr(0, 60)) + "'");
  }

  void Macro(std::string_view body, long long index, std::string& out) const {
    const std::size_t space = body.find(' ');
    const std::string name(body.substr(0, space));
    const std::string_view args =
        space == std::string_view::npos ? std::string_view() : body.substr(space + 1);
    if (name == "crlf") {
      out += "\r\n";
    } else if (name == "cr") {
      out += '\r';
    } else if (name == "lf") {
      out += '\n';
    } else if (name == "nul") {
      out += '\0';
    } else if (name == "tab") {
      out += '\t';
    } else if (name == "sp") {
      out += ' ';
    } else if (name == "post") {
      out += post_id_;
    } else if (name == "i") {
      if (index < 0) throw std::runtime_error("$(i) outside $(repeat)");
      out += std::to_string(index);
    } else if (name == "hex") {
      Hex(args, out);
    } else if (name == "repeat") {
      Repeat(args, out);
    } else if (name.rfind("len", 0) == 0) {
      Length(name, out);
    } else {
      throw std::runtime_error("unknown macro $(" + name + ")");
    }
  }

  static void Hex(std::string_view args, std::string& out) {
    for (const auto& word : Words(args)) {
      if (word.size() % 2 != 0) throw std::runtime_error("odd hex digits in $(hex " + word + ")");
      for (std::size_t i = 0; i < word.size(); i += 2) {
        out += static_cast<char>(std::stoi(word.substr(i, 2), nullptr, 16));
      }
    }
  }

  void Repeat(std::string_view args, std::string& out) const {
    const std::size_t space = args.find(' ');
    if (space == std::string_view::npos) throw std::runtime_error("$(repeat N TEXT) without TEXT");
    const long long count = ParseCount(std::string(args.substr(0, space)), "$(repeat)");
    const std::string_view text = args.substr(space + 1);
    if (text.find("$(") == std::string_view::npos) {  // plain text: no per-iteration expansion
      out.reserve(out.size() + text.size() * static_cast<std::size_t>(count));
      for (long long i = 0; i < count; ++i) out.append(text);
      return;
    }
    for (long long i = 0; i < count; ++i) out += Run(text, i);
  }

  void Length(const std::string& name, std::string& out) const {
    if (body_length_ < 0) throw std::runtime_error("$(" + name + ") outside a request head");
    long long value = body_length_;
    if (name.size() > 3) {
      const long long delta = ParseCount(name.substr(4), "$(" + name + ")");
      if (name[3] == '+') {
        value += delta;
      } else if (name[3] == '-') {
        value -= delta;
      } else {
        throw std::runtime_error("unknown macro $(" + name + ")");
      }
    }
    out += std::to_string(value);
  }

  const std::string& post_id_;
  long long body_length_;
};

Expectation ParseExpectation(const std::vector<std::string>& words) {
  Expectation e;
  for (const auto& w : words) {
    if (w == "4xx") {
      e.any_4xx = true;
    } else if (w == "close") {
      e.close = true;
    } else {
      const long long code = ParseCount(w, "@expect");
      if (code < 400 || code > 599) throw std::runtime_error("@expect " + w + " is not a 4xx/5xx");
      e.statuses.insert(static_cast<int>(code));
    }
  }
  if (words.empty()) throw std::runtime_error("@expect names nothing");
  return e;
}

std::vector<std::string> ParseServices(const std::vector<std::string>& words) {
  if (words.size() == 1 && words[0] == "all") return kAllServices;
  for (const auto& w : words) {
    if (std::find(kAllServices.begin(), kAllServices.end(), w) == kAllServices.end()) {
      throw std::runtime_error("@services: unknown service '" + w + "'");
    }
  }
  if (words.empty()) throw std::runtime_error("@services names nothing");
  return words;
}

}  // namespace

std::string ExpandMacros(std::string_view text, const std::string& post_id, long long body_length) {
  return Expander(post_id, body_length).Run(text, -1);
}

std::string CorpusCase::Render(const std::string& post_id) const {
  if (raw) {
    std::string flat = text;
    flat.erase(std::remove(flat.begin(), flat.end(), '\n'), flat.end());
    return ExpandMacros(flat, post_id);
  }
  if (text.empty()) return {};
  // Head lines end in CRLF; the first empty line ends the head; the rest is the body.
  const std::size_t split = text.find("\n\n");
  const std::string head_text = text.substr(0, split);
  const std::string body =
      split == std::string::npos ? std::string() : ExpandMacros(text.substr(split + 2), post_id);
  std::string out;
  std::istringstream lines(head_text);
  std::string line;
  while (std::getline(lines, line)) {
    out += ExpandMacros(line, post_id, static_cast<long long>(body.size())) + "\r\n";
  }
  return out + "\r\n" + body;
}

CorpusCase ParseCase(const std::string& name, std::string_view file) {
  CorpusCase c;
  c.name = name;
  std::size_t pos = 0;
  int line_number = 0;
  bool services_seen = false;
  bool expect_seen = false;
  try {
    while (pos < file.size() && (file[pos] == '#' || file[pos] == '@')) {
      ++line_number;
      std::size_t end = file.find('\n', pos);
      if (end == std::string_view::npos) end = file.size();
      const std::string line(file.substr(pos, end - pos));
      pos = end + 1;
      if (line[0] == '#') {
        const std::size_t start = line.find_first_not_of("# ");
        if (c.title.empty() && start != std::string::npos) c.title = line.substr(start);
        continue;
      }
      const auto words = Words(line);
      const std::vector<std::string> args(words.begin() + 1, words.end());
      if (words[0] == "@services") {
        c.services = ParseServices(args);
        services_seen = true;
      } else if (words[0] == "@expect") {
        c.expect = ParseExpectation(args);
        expect_seen = true;
      } else if (words[0] == "@raw") {
        c.raw = true;
      } else {
        throw std::runtime_error("unknown directive " + words[0]);
      }
    }
    if (c.title.empty()) throw std::runtime_error("no # title line");
    if (!services_seen || !expect_seen) throw std::runtime_error("@services and @expect required");
    c.text = pos < file.size() ? std::string(file.substr(pos)) : std::string();
    if (!c.text.empty() && c.text.back() == '\n') c.text.pop_back();
    c.Render("00000000-0000-4000-8000-000000000000");  // reports macro errors now
  } catch (const std::exception& e) {
    throw std::runtime_error(name + ".req line " + std::to_string(line_number) + ": " + e.what());
  }
  return c;
}

std::vector<CorpusCase> LoadCorpus(const std::string& dir, const std::string& filter) {
  namespace fs = std::filesystem;
  std::vector<CorpusCase> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".req") continue;
    std::string name = fs::relative(entry.path(), dir).replace_extension().generic_string();
    if (name.find(filter) == std::string::npos) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    out.push_back(ParseCase(name, bytes.str()));
  }
  std::sort(out.begin(), out.end(),
            [](const CorpusCase& a, const CorpusCase& b) { return a.name < b.name; });
  return out;
}

}  // namespace blog::test::corpus
