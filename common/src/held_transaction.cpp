#include "held_transaction.hpp"

#include <utility>

namespace blog {
namespace {

thread_local HeldTransaction* t_held = nullptr;

}  // namespace

HeldTransaction::HeldTransaction(Database& db) : db_(db), outer_(t_held) { t_held = this; }

HeldTransaction::~HeldTransaction() {
  Abort();
  t_held = outer_;
}

HeldTransaction* HeldTransaction::Of(const Database& db) {
  return t_held != nullptr && &t_held->db_ == &db ? t_held : nullptr;
}

pqxx::work& HeldTransaction::Work() {
  if (work_) return *work_;
  pooled_ = db_.Acquire();
  try {
    work_.emplace(*pooled_.conn);
  } catch (...) {
    db_.Release(std::move(pooled_));
    RethrowDatabaseFailure();
  }
  return *work_;
}

void HeldTransaction::Ran(const pqxx::result& result, bool published) {
  if (!changed_ && result.empty() && result.affected_rows() == 0) {
    Abort();
    return;
  }
  changed_ = true;
  published_ = published_ || published;
}

void HeldTransaction::Wrote(bool published) {
  changed_ = true;
  published_ = published_ || published;
}

void HeldTransaction::Commit() {
  if (!work_) return;
  try {
    work_->commit();
  } catch (...) {
    Abort();
    RethrowDatabaseFailure();
  }
  work_.reset();
  db_.Release(std::move(pooled_));
  changed_ = false;
  if (std::exchange(published_, false)) db_.NotifyOutboxObservers();
}

void HeldTransaction::Abort() noexcept {
  changed_ = false;
  published_ = false;
  if (!work_) return;
  try {
    work_->abort();
  } catch (...) {  // a broken connection has rolled back by itself
  }
  work_.reset();
  db_.Release(std::move(pooled_));
}

}  // namespace blog
