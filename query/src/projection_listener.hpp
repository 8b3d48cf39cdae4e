// The query service's listeners: ProjectionListener<E> applies the events of type E through
// the projection. The events of one listener transaction are collected and applied together by
// ApplyAll at its end, a few statements however many there are.
#pragma once

#include <vector>

#include "common/listener.hpp"

#include "projection.hpp"

namespace blog::query {

template <typename E>
class ProjectionListener final : public Listener<E> {
 public:
  using Listener<E>::Listener;
  void OnMessage(const E& event, Tx& tx) override {
    pending_.push_back({AnyEvent(event), tx.Incoming()->stream_sequence});
  }

 private:
  struct Pending {
    AnyEvent event;
    std::uint64_t sequence;
  };

  void OnBatchEnd(Tx& tx) override {
    std::vector<Pending> batch;
    batch.swap(pending_);  // empty for the next transaction, whether this one commits or not
    if (batch.empty()) return;
    std::vector<SequencedEvent> events;
    events.reserve(batch.size());
    for (const auto& p : batch) events.push_back({&p.event, p.sequence});
    ApplyAll(tx, events);
  }

  std::vector<Pending> pending_;  // touched only by the listener's own thread
};

}  // namespace blog::query
