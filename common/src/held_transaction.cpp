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

SqlSession& HeldTransaction::Session() {
  if (session_) return *session_;
  lease_.emplace(*db_.pool_);
  try {
    work_.emplace(*(*lease_)->conn);
  } catch (...) {
    lease_.reset();
    RethrowAsProjectError();
  }
  return session_.emplace(**lease_, *work_);
}

void HeldTransaction::Ran(const Rows& rows, bool published) {
  if (!changed_ && rows.empty() && rows.AffectedRows() == 0) {
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
    RethrowAsProjectError();
  }
  Close();
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
  Close();
}

void HeldTransaction::Close() noexcept {
  session_.reset();
  work_.reset();
  lease_.reset();
}

}  // namespace blog
