#include "common/service.hpp"

#include "posts.hpp"

int main() {
  using namespace blog;
  return RunService("posts", posts::kDefaultPort, posts::Migrations(),
                    [](Service& service) { posts::AddRoutes(service); });
}
