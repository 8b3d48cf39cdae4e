// `blog-bench seed --posts-port P --comments-port C --posts N --comments K [--out FILE]`:
// creates N posts with K comments each through the public API, and writes the post ids to FILE.
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

#include "http_client.hpp"

namespace bench {

int RunSeed(const std::map<std::string, std::string>& args) {
  HttpClient posts("127.0.0.1", std::stoi(args.at("posts-port")));
  HttpClient comments("127.0.0.1", std::stoi(args.at("comments-port")));
  const int post_count = std::stoi(args.at("posts"));
  const int comment_count = std::stoi(args.at("comments"));
  std::ofstream out(args.count("out") ? args.at("out") : "/dev/null");
  int failures = 0;
  for (int p = 0; p < post_count; ++p) {
    const auto created = posts.Request("POST", "/posts/create",
                                       R"({"title":"a post to read, number )" + std::to_string(p) +
                                           "\"}");
    const auto at = created.body.find("\"id\":\"");
    if (created.status != 201 || at == std::string::npos) {
      ++failures;
      continue;
    }
    const std::string id = created.body.substr(at + 6, 36);
    out << id << "\n";
    for (int c = 0; c < comment_count; ++c) {
      const auto added = comments.Request(
          "POST", "/posts/" + id + "/comments",
          R"({"content":"a comment of about the length people write, number )" +
              std::to_string(c) + "\"}");
      if (added.status != 201) ++failures;
    }
  }
  std::printf("RESULT seed posts=%d comments=%d failed=%d\n", post_count,
              post_count * comment_count, failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace bench
