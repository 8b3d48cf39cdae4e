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
// service runs: the versions make overlaps harmless (an event applied by the rebuild and by a
// listener, or stored twice, changes the model once). Returns the number of events applied:
// every decodable one read.
std::uint64_t Rebuild(Database& db, NatsClient& nats, std::ostream& progress);

}  // namespace blog::query
