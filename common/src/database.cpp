#include "common/database.hpp"

#include "common/errors.hpp"
#include "common/log.hpp"

#include "held_transaction.hpp"
#include "pool.hpp"
#include "session.hpp"
#include "statements.hpp"

namespace blog {
namespace {

constexpr int kMigrationLockKey = 72'1001;

constexpr std::string_view kBlogSchema = R"sql(
CREATE TABLE IF NOT EXISTS blog_outbox (
  seq         bigserial PRIMARY KEY,
  event_id    text NOT NULL UNIQUE,
  subject     text NOT NULL,
  payload     text NOT NULL,
  traceparent text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS blog_inbox (
  event_id    text PRIMARY KEY,
  consumer    text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
)sql";

// The answers of requests sent with an Idempotency-Key (idempotency.hpp), each stored in the
// transaction of the change it answers.
constexpr std::string_view kIdempotencySchema = R"sql(
CREATE TABLE IF NOT EXISTS blog_idempotency (
  key          text PRIMARY KEY,
  request_hash text NOT NULL,
  status       int NOT NULL,
  content_type text NOT NULL,
  headers      text NOT NULL,
  body         text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS blog_idempotency_expires ON blog_idempotency (expires_at);
)sql";

const Statement kMigrationLock{"blog_migration_lock", "SELECT pg_advisory_xact_lock($1)"};
const Statement kMigrationDone{
    "blog_migration_done",
    "SELECT 1 FROM blog_schema_migrations WHERE component = $1 AND version = $2"};
const Statement kMigrationRecord{
    "blog_migration_record",
    "INSERT INTO blog_schema_migrations (component, version) VALUES ($1, $2)"};

std::span<const SqlParam> Span(std::initializer_list<SqlParam> params) {
  return {params.begin(), params.size()};
}

}  // namespace

Database::Database(std::string url, int pool_size, std::string source)
    : source_(std::move(source)),
      pool_(std::make_unique<ConnectionPool>(std::move(url), pool_size)) {}

Database::~Database() = default;

Database::PoolStats Database::Stats() {
  const auto s = pool_->Snapshot();
  return {s.size, s.open, s.in_use, s.waiting};
}

void Database::Transact(const std::function<void(Tx&)>& work, const IncomingEvent* incoming) {
  bool published = false;
  if (HeldTransaction* held = HeldTransaction::Of(*this); held != nullptr && incoming == nullptr) {
    Tx tx(held->Session(), source_, incoming);
    work(tx);
    held->Wrote(tx.Published());
    return;
  }
  try {
    ConnectionPool::Lease lease(*pool_);
    // The session opens and closes the block itself (session.hpp): BEGIN goes with the first
    // statement, the outbox rows with COMMIT.
    pqxx::nontransaction plain(*lease->conn);
    SqlSession session(*lease, plain, SqlSession::Block::kOwn);
    try {
      Tx tx(session, source_, incoming);
      work(tx);
      session.Commit();
      published = tx.Published();
    } catch (...) {
      session.Rollback();
      throw;
    }
  } catch (const pqxx::pqxx_exception&) {
    RethrowAsProjectError();
  }
  if (published) NotifyOutboxObservers();
}

Rows Database::ReadParams(const Statement& statement, std::initializer_list<SqlParam> params) {
  ConnectionPool::Lease lease(*pool_);
  pool_->ApplyReadSettings(*lease);
  try {
    pqxx::nontransaction autocommit(*lease->conn);
    return SqlSession(*lease, autocommit).Exec(statement, Span(params));
  } catch (const pqxx::pqxx_exception&) {
    RethrowAsProjectError();
  }
}

void Database::SetReadSettings(std::vector<std::pair<std::string, std::string>> settings) {
  pool_->SetReadSettings(std::move(settings));
}

std::string Database::OutboxInsertSql(int first, std::string_view when) {
  const auto p = [&](int i) {
    std::string param = "$";  // built by appending: GCC 12 warns falsely on "$" + std::string
    param += std::to_string(first + i);
    param += "::text";
    return param;
  };
  return "INSERT INTO blog_outbox (event_id, subject, payload, traceparent) SELECT " + p(0) + ", " +
         p(1) + ", " + p(2) + ", " + p(3) + (when.empty() ? "" : " WHERE " + std::string(when)) +
         " ON CONFLICT (event_id) DO NOTHING";
}

Statement Database::WithEvent(std::string name, std::string_view change, int params) {
  // A data-modifying WITH runs to completion even though nothing reads it.
  return {std::move(name),
          "WITH change AS (" + std::string(change) + ") " + OutboxInsertSql(params + 1)};
}

Rows Database::ExecWithEventParams(const Statement& statement, const AnyEvent& event,
                                   std::initializer_list<SqlParam> params) {
  const OutboxRow row = MakeOutboxRow(event, source_, {});
  const std::vector<SqlParam> all = WithOutboxRow(params, row);
  if (HeldTransaction* held = HeldTransaction::Of(*this)) {
    Rows rows = held->Session().Exec(statement, all);
    held->Ran(rows, true);
    return rows;
  }
  Rows rows;
  {
    ConnectionPool::Lease lease(*pool_);
    try {
      pqxx::nontransaction autocommit(*lease->conn);  // one statement: its own transaction
      rows = SqlSession(*lease, autocommit).Exec(statement, all);
    } catch (const pqxx::pqxx_exception&) {
      RethrowAsProjectError();
    }
  }
  NotifyOutboxObservers();
  return rows;
}

bool Database::Ping() {
  try {
    ConnectionPool::Lease lease(*pool_);
    pqxx::nontransaction autocommit(*lease->conn);
    autocommit.exec("SELECT 1");
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

void Database::OnOutboxCommit(std::function<void()> observer) {
  const std::lock_guard lock(observers_mutex_);
  outbox_observers_.push_back(std::move(observer));
}

void Database::NotifyOutboxObservers() {
  std::vector<std::function<void()>> observers;
  {
    const std::lock_guard lock(observers_mutex_);
    observers = outbox_observers_;
  }
  for (const auto& notify : observers) notify();
}

bool Database::Migrate(std::string_view component, const std::vector<Migration>& migrations) {
  bool fresh = false;
  Transact([&](Tx& tx) {
    tx.Exec(kMigrationLock, kMigrationLockKey);
    fresh =
        tx.ExecScript("SELECT to_regclass('blog_schema_migrations') IS NULL AS fresh")[0].Get<bool>(
            "fresh");
    tx.ExecScript(
        "CREATE TABLE IF NOT EXISTS blog_schema_migrations (component text NOT NULL, "
        "version int NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), "
        "PRIMARY KEY (component, version))");
    const auto apply = [&](std::string_view name, int version, std::string_view step) {
      if (!tx.Exec(kMigrationDone, name, version).empty()) return;
      tx.ExecScript(step);
      tx.Exec(kMigrationRecord, name, version);
      log::Info("migration applied", {{"component", name}, {"version", std::to_string(version)}});
    };
    apply("blog", 1, kBlogSchema);
    apply("blog", 2, kIdempotencySchema);
    for (const auto& m : migrations) apply(component, m.version, m.sql);
  });
  return fresh;
}

}  // namespace blog
