#include "common/service.hpp"

#include "moderation.hpp"

int main() {
  using namespace blog;
  return RunService(
      "moderation", moderation::kDefaultPort, moderation::Migrations(), [](Service& service) {
        service.AddListener<moderation::CommentCreatedListener>(service.Config().banned_words);
      });
}
