#include "delivery.hpp"

#include <algorithm>
#include <chrono>

#include "common/dead_letter.hpp"
#include "common/errors.hpp"
#include "common/inbox.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "common/trace.hpp"

namespace blog {
namespace {

std::string Header(natsMsg* msg, std::string_view key) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, std::string(key).c_str(), &value) == NATS_OK && value != nullptr) {
    return value;
  }
  return {};
}

std::string_view Body(natsMsg* msg) {
  return {natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg))};
}

}  // namespace

DeliveryApplier::DeliveryApplier(ListenerContext& context, std::string consumer, std::string type,
                                 Dispatch dispatch, Finish finish)
    : context_(context),
      consumer_(std::move(consumer)),
      type_(std::move(type)),
      dispatch_(std::move(dispatch)),
      finish_(std::move(finish)) {}

std::optional<Delivery> DeliveryApplier::Read(natsMsg* msg) {
  auto& metrics = Metrics::Global();
  const Labels labels{{"consumer", consumer_}};
  Delivery delivery;
  delivery.msg = msg;
  delivery.incoming.subject = natsMsg_GetSubject(msg);
  if (jsMsgMetaData* meta = nullptr; natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
    delivery.incoming.stream_sequence = meta->Sequence.Stream;
    delivery.delivered = meta->NumDelivered;
    const auto stored = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(meta->Timestamp)));
    metrics.Observe(
        "blog_event_age_seconds", labels,
        std::chrono::duration<double>(std::chrono::system_clock::now() - stored).count());
    jsMsgMetaData_Destroy(meta);
  }
  delivery.traceparent = Header(msg, kTraceParentHeader);
  metrics.Increment("blog_events_consumed_total", labels);
  try {
    delivery.decoded = DecodeEvent(Body(msg));
    if (TypeOf(delivery.decoded.event) != type_) {
      throw DecodeError("consumer " + consumer_ + " expects " + type_ + ", got " +
                            std::string(TypeOf(delivery.decoded.event)),
                        "type");
    }
  } catch (const DecodeError& e) {
    const TraceScope trace(TraceParent::FromHeader(delivery.traceparent));
    DeadLetter(delivery, std::string("undecodable event: ") + e.what());
    return std::nullopt;
  }
  delivery.incoming.meta = delivery.decoded.meta;
  return delivery;
}

std::vector<bool> DeliveryApplier::Transact(std::span<Delivery> batch) {
  if (expect_new_) {
    try {
      return TransactOnce(batch, true);
    } catch (const SqlError& e) {
      if (!IsInboxDuplicate(e)) throw;
      expect_new_ = false;
    }
  }
  auto fresh = TransactOnce(batch, false);
  expect_new_ = std::all_of(fresh.begin(), fresh.end(), [](bool f) { return f; });
  return fresh;
}

std::vector<bool> DeliveryApplier::TransactOnce(std::span<Delivery> batch, bool expect_new) {
  std::vector<bool> fresh(batch.size(), false);
  IncomingEvent current;  // what tx.Incoming() shows: the delivery being handled
  context_.db.Transact(
      [&](Tx& tx) {
        std::vector<std::string_view> ids;
        ids.reserve(batch.size());
        for (const auto& delivery : batch) ids.emplace_back(delivery.incoming.meta.id);
        if (expect_new) {
          RecordNewInInbox(tx, consumer_, ids);
          fresh.assign(batch.size(), true);
        } else {
          fresh = RecordInInbox(tx, consumer_, ids);
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
          if (!fresh[i]) continue;
          current = batch[i].incoming;
          const TraceScope trace(TraceParent::FromHeader(batch[i].traceparent));
          dispatch_(batch[i].decoded, tx);
        }
        finish_(tx);
      },
      &current);
  return fresh;
}

bool DeliveryApplier::Apply(std::span<Delivery> batch) {
  const auto started = std::chrono::steady_clock::now();
  try {
    const auto fresh = Transact(batch);
    Acked(batch, fresh,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return true;
  } catch (const UnavailableError& e) {
    log::Warn(
        "events deferred: database unavailable",
        {{"consumer", consumer_}, {"events", std::to_string(batch.size())}, {"error", e.what()}});
    NakAll(batch);
    return false;
  } catch (const std::exception& e) {
    if (batch.size() == 1) {
      const TraceScope trace(TraceParent::FromHeader(batch[0].traceparent));
      Failed(batch[0], e.what());
      return true;
    }
    log::Warn(
        "batch rolled back; applying its events one at a time",
        {{"consumer", consumer_}, {"events", std::to_string(batch.size())}, {"error", e.what()}});
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!Apply(batch.subspan(i, 1))) {
      NakAll(batch.subspan(i + 1));
      return false;
    }
  }
  return true;
}

void DeliveryApplier::Acked(std::span<Delivery> batch, const std::vector<bool>& fresh,
                            double seconds) {
  auto& metrics = Metrics::Global();
  const Labels labels{{"consumer", consumer_}};
  for (std::size_t i = 0; i < batch.size(); ++i) {
    natsMsg_Ack(batch[i].msg, nullptr);
    metrics.Increment(fresh[i] ? "blog_events_acked_total" : "blog_events_duplicate_total", labels);
    metrics.Observe("blog_handler_duration_seconds", labels,
                    seconds / static_cast<double>(batch.size()));
    // One line per handled event, carrying the event's trace_id: a request can be followed
    // through every service's log, not only through those with an HTTP edge.
    const TraceScope trace(TraceParent::FromHeader(batch[i].traceparent));
    log::Info(fresh[i] ? "event applied" : "event skipped: already applied",
              {{"consumer", consumer_},
               {"event_id", batch[i].incoming.meta.id},
               {"sequence", std::to_string(batch[i].incoming.stream_sequence)}});
  }
}

void DeliveryApplier::NakAll(std::span<Delivery> batch) {
  for (auto& delivery : batch) {
    natsMsg_NakWithDelay(delivery.msg, context_.settings.retry_base.count(), nullptr);
    Metrics::Global().Increment("blog_events_nakd_total", {{"consumer", consumer_}});
  }
}

void DeliveryApplier::Failed(Delivery& delivery, const std::string& error) {
  const auto& settings = context_.settings;
  if (delivery.delivered >= static_cast<std::uint64_t>(settings.max_deliver)) {
    DeadLetter(delivery,
               "handler failed " + std::to_string(delivery.delivered) + " times: " + error);
    return;
  }
  const auto exponent = std::min<std::uint64_t>(delivery.delivered - 1, 20);
  const auto delay =
      std::min(settings.retry_base * (std::int64_t{1} << exponent), settings.retry_max);
  log::Warn("event handler failed; retrying", {{"consumer", consumer_},
                                               {"error", error},
                                               {"attempt", std::to_string(delivery.delivered)},
                                               {"retry_in_ms", std::to_string(delay.count())}});
  natsMsg_NakWithDelay(delivery.msg, delay.count(), nullptr);
  Metrics::Global().Increment("blog_events_nakd_total", {{"consumer", consumer_}});
}

void DeliveryApplier::DeadLetter(Delivery& delivery, const std::string& error) {
  try {
    PublishDeadLetter(context_.nats,
                      blog::DeadLetter{.consumer = consumer_,
                                       .original_subject = delivery.incoming.subject,
                                       .original_sequence = delivery.incoming.stream_sequence,
                                       .error = error,
                                       .traceparent = delivery.traceparent,
                                       .body = std::string(Body(delivery.msg))});
  } catch (const std::exception& e) {
    // Keep the message: it is redelivered and dead-lettered on a later try.
    log::Error("dead-letter publish failed", {{"consumer", consumer_}, {"error", e.what()}});
    natsMsg_NakWithDelay(delivery.msg, context_.settings.retry_max.count(), nullptr);
    return;
  }
  natsMsg_Term(delivery.msg, nullptr);
  Metrics::Global().Increment("blog_events_dead_lettered_total", {{"consumer", consumer_}});
  log::Error("event dead-lettered",
             {{"consumer", consumer_},
              {"sequence", std::to_string(delivery.incoming.stream_sequence)},
              {"error", error}});
}

}  // namespace blog
