// The dead-letter format: what a dead-lettered message looks like on stream BLOG_DLQ.
//
// Subject `dlq.<consumer>`; body = the original message's bytes, unchanged; headers below plus
// the original traceparent. Nats-Msg-Id is "<consumer>:<original stream sequence>", so a message
// dead-lettered twice (a crash between the copy and the terminate) is stored once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/nats_client.hpp"

namespace blog {

inline constexpr std::string_view kDlqErrorHeader = "Blog-Error";
inline constexpr std::string_view kDlqSubjectHeader = "Blog-Original-Subject";
inline constexpr std::string_view kDlqSequenceHeader = "Blog-Original-Sequence";
inline constexpr std::string_view kDlqConsumerHeader = "Blog-Consumer";
inline constexpr std::string_view kTraceParentHeader = "traceparent";
inline constexpr std::string_view kMsgIdHeader = "Nats-Msg-Id";

struct DeadLetter {
  std::string consumer;
  std::string original_subject;
  std::uint64_t original_sequence = 0;
  std::string error;
  std::string traceparent;
  std::string body;
};

// The subject of `consumer`'s dead letters: "dlq.<consumer>".
std::string DeadLetterSubject(std::string_view consumer);

// Stores `letter` on BLOG_DLQ and waits for the ack. Throws like NatsClient::Publish.
void PublishDeadLetter(NatsClient& nats, const DeadLetter& letter);

}  // namespace blog
