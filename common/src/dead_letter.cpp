#include "common/dead_letter.hpp"

namespace blog {

std::string DeadLetterSubject(std::string_view consumer) { return "dlq." + std::string(consumer); }

void PublishDeadLetter(NatsClient& nats, const DeadLetter& letter) {
  // Header values must be one line: keep the error readable but safe.
  std::string error = letter.error.substr(0, 1000);
  for (char& c : error) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  NatsHeaders headers{
      {std::string(kMsgIdHeader), letter.consumer + ":" + std::to_string(letter.original_sequence)},
      {std::string(kDlqErrorHeader), error},
      {std::string(kDlqSubjectHeader), letter.original_subject},
      {std::string(kDlqSequenceHeader), std::to_string(letter.original_sequence)},
      {std::string(kDlqConsumerHeader), letter.consumer},
  };
  if (!letter.traceparent.empty()) headers[std::string(kTraceParentHeader)] = letter.traceparent;
  nats.Publish(DeadLetterSubject(letter.consumer), letter.body, headers);
}

}  // namespace blog
