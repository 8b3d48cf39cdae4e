// The query service: its own read model of posts with their comments, built only from events,
// so it answers while posts, comments and moderation are all down. main.cpp wires these parts:
//
//   schema.hpp               the read model's tables, functions and triggers (migrations)
//   projection.hpp           events into the read model, set-based (collapse.hpp: step one)
//   projection_listener.hpp  the listeners that feed the projection
//   post_doc.hpp             each post's JSON document, rendered and stored by PostgreSQL
//   post_reads.hpp           what GET /posts and GET /posts/{id} read
//   routes.hpp               those routes, with the read cache (read_cache.hpp) kept current by
//                            the change watch (change_watch.hpp)
//   rebuild.hpp              `query rebuild`: the read model replayed from the first event
//                            (replay_writer.hpp: its writing half)
//
// What holds across these files, where each rule is enforced and where it is tested:
// invariants.hpp.
#pragma once

#include "invariants.hpp"

namespace blog::query {

inline constexpr int kDefaultPort = 4002;

}  // namespace blog::query
