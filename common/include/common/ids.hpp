// Identifiers and timestamps: random UUIDs, name-based UUIDs and RFC 3339 UTC times.
#pragma once

#include <string>
#include <string_view>

namespace blog {

// A random (version 4) UUID in canonical lowercase form. Thread-safe.
std::string NewUuid();

// A name-based (version 5, SHA-1) UUID: the same `name` always gives the same id. Used for events
// derived from another event, so that reprocessing the cause yields the same event id and the
// stream's duplicate window and the consumers' inboxes drop the repeat.
std::string DerivedUuid(std::string_view name);

// True when `text` is a canonical UUID (8-4-4-4-12 hex digits, any case).
bool IsUuid(std::string_view text);

// The current time as RFC 3339 UTC with milliseconds, e.g. "2026-11-28T12:00:00.123Z".
std::string NowRfc3339();

}  // namespace blog
