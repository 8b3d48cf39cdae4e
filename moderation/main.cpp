#include "common/config.hpp"
#include "common/service.hpp"

#include "moderation.hpp"

int main() {
  using namespace blog;
  return RunService(
      "moderation", moderation::kDefaultPort, moderation::Migrations(), [](Service& service) {
        service.AddListener<moderation::CommentCreatedListener>(EnvList("BANNED_WORDS", "orange"));
      });
}
