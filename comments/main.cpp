#include "common/service.hpp"

#include "comments.hpp"

int main() {
  using namespace blog;
  static comments::PostArrivals arrivals;
  return RunService("comments", comments::kDefaultPort, comments::Migrations(),
                    [](Service& service) {
                      service.AddListener<comments::PostCreatedListener>(arrivals);
                      service.AddListener<comments::CommentModeratedListener>();
                      comments::AddRoutes(service, arrivals, service.Config().post_wait);
                    });
}
