#include "common/config.hpp"
#include "common/service.hpp"

#include "comments.hpp"

int main() {
  using namespace blog;
  static comments::PostArrivals arrivals;
  return RunService(
      "comments", comments::kDefaultPort, comments::Migrations(), [](Service& service) {
        const std::chrono::milliseconds post_wait(EnvInt("POST_WAIT_MS", 2000, 0, 60000));
        service.AddListener<comments::PostCreatedListener>(arrivals);
        service.AddListener<comments::CommentModeratedListener>();
        comments::AddRoutes(service, arrivals, post_wait);
      });
}
