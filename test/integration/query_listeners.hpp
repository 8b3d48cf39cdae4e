// The query service's three projection listeners, started together on one context: the read
// model as the service keeps it, for tests that publish events and compare the result.
#pragma once

#include "common/listener.hpp"

#include "projection_listener.hpp"

namespace blog::test {

struct QueryListeners {
  explicit QueryListeners(ListenerContext& context)
      : posts(context), created(context), updated(context) {
    posts.Start();
    created.Start();
    updated.Start();
  }

  query::ProjectionListener<PostCreated> posts;
  query::ProjectionListener<CommentCreated> created;
  query::ProjectionListener<CommentUpdated> updated;
};

}  // namespace blog::test
