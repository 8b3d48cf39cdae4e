// blog-verify: compares the query read model with the posts and comments databases.
//
//   blog-verify [--require-final] [--json]
//
// Reads POSTS_DATABASE_URL, COMMENTS_DATABASE_URL and QUERY_DATABASE_URL. Prints every
// difference and a summary; exit 0 when none, 1 when any, 2 on a usage or connection error.
#include <iostream>
#include <string>
#include <string_view>

#include "common/config.hpp"
#include "common/json.hpp"

#include "verify.hpp"

int main(int argc, char** argv) {
  using namespace blog;
  bool require_final = false;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--require-final") {
      require_final = true;
    } else if (arg == "--json") {
      json = true;
    } else {
      std::cerr << "usage: blog-verify [--require-final] [--json]\n"
                   "  env: POSTS_DATABASE_URL, COMMENTS_DATABASE_URL, QUERY_DATABASE_URL\n";
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }
  try {
    const auto truth = verify::LoadTruth(EnvString("POSTS_DATABASE_URL", ""),
                                         EnvString("COMMENTS_DATABASE_URL", ""));
    const auto model = verify::LoadReadModel(EnvString("QUERY_DATABASE_URL", ""));
    const auto differences = verify::Compare(truth, model, require_final);
    if (json) {
      JsonWriter w;
      w.StartObject().Key("posts").Int(static_cast<std::int64_t>(truth.posts.size()));
      w.Key("comments").Int(static_cast<std::int64_t>(truth.comments.size()));
      w.Key("differences").StartArray();
      for (const auto& d : differences) {
        w.StartObject()
            .Key("kind")
            .String(d.kind)
            .Key("id")
            .String(d.id)
            .Key("detail")
            .String(d.detail)
            .EndObject();
      }
      w.EndArray().EndObject();
      std::cout << w.Take() << "\n";
    } else {
      for (const auto& d : differences)
        std::cout << d.kind << " " << d.id << ": " << d.detail << "\n";
      std::cout << "verify: " << truth.posts.size() << " posts, " << truth.comments.size()
                << " comments in the sources of truth; " << differences.size() << " differences\n";
    }
    return differences.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "verify: " << e.what() << "\n";
    return 2;
  }
}
