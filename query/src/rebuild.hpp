// `query rebuild`: the read model dropped and replayed from the first stored event, set-based:
// each fetched batch of stored events is decoded here and applied by a ReplayWriter
// (replay_writer.hpp) in a handful of statements, while the next batch is fetched.
#pragma once

#include <cstdint>
#include <iosfwd>

#include "common/database.hpp"
#include "common/nats_client.hpp"

namespace blog::query {

// Drops the read model and replays it from the first stored event, writing progress lines to
// `progress` (at least every second, and "rebuild: done ..." at the end). Safe while the
// service runs: the inbox and the versions make overlaps harmless. Returns the number of
// events applied.
std::uint64_t Rebuild(Database& db, NatsClient& nats, std::ostream& progress);

}  // namespace blog::query
