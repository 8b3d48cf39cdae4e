// The read model's schema: tables posts and comments (placeholder posts have no title), the
// functions that render a post's JSON document (post_doc.hpp), and the triggers that tell the
// read caches what every commit changed (change_watch.hpp, read_change.hpp). A change is a new
// migration: never edit an applied one.
#pragma once

#include <vector>

#include "common/database.hpp"

namespace blog::query {

const std::vector<Migration>& Migrations();

}  // namespace blog::query
