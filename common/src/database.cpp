#include "common/database.hpp"

#include "common/errors.hpp"
#include "common/log.hpp"

#include "held_transaction.hpp"
#include "statements.hpp"

namespace blog {
namespace {

constexpr auto kAcquireTimeout = std::chrono::seconds(5);
constexpr int kMigrationLockKey = 72'1001;

// Connection-level failures are UnavailableError; everything else keeps its own type.
[[noreturn]] void Rethrow() {
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    throw UnavailableError(std::string("database unavailable: ") + e.what());
  } catch (const pqxx::in_doubt_error& e) {
    throw UnavailableError(std::string("database connection lost during commit: ") + e.what());
  } catch (const pqxx::sql_error& e) {
    const std::string state = e.sqlstate();
    if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03") {
      throw UnavailableError(std::string("database unavailable: ") + e.what());
    }
    throw;
  }
}

std::string WithConnectTimeout(std::string url) {
  if (url.find("connect_timeout") != std::string::npos) return url;
  if (url.rfind("postgres", 0) == 0)
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=3";
  return url + " connect_timeout=3";
}

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

}  // namespace

void RethrowDatabaseFailure() { Rethrow(); }

// Returns a connection to the pool when done, or drops it when it broke.
class Database::Lease {
 public:
  explicit Lease(Database& db) : db_(db), pooled_(db.Acquire()) {}
  ~Lease() { db_.Release(std::move(pooled_)); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  Lease(Lease&&) = delete;
  Lease& operator=(Lease&&) = delete;
  pqxx::connection& operator*() { return *pooled_.conn; }

 private:
  Database& db_;
  Pooled pooled_;
};

Database::Database(std::string url, int pool_size, std::string source)
    : url_(WithConnectTimeout(std::move(url))), source_(std::move(source)), pool_size_(pool_size) {
  Prepare(std::string(statement::kOutboxInsert), std::string(statement::kOutboxInsertSql));
  Prepare(std::string(statement::kInboxInsert), std::string(statement::kInboxInsertSql));
  Prepare(std::string(statement::kIdempotencyStore), std::string(statement::kIdempotencyStoreSql));
  Prepare(std::string(statement::kIdempotencyLookup),
          std::string(statement::kIdempotencyLookupSql));
}

Database::~Database() = default;

Database::Pooled Database::Acquire() {
  std::unique_lock lock(mutex_);
  if (!available_.wait_for(lock, kAcquireTimeout,
                           [&] { return !idle_.empty() || open_ < pool_size_; })) {
    throw UnavailableError("database pool exhausted: all connections busy");
  }
  if (!idle_.empty()) {
    Pooled pooled = std::move(idle_.back());
    idle_.pop_back();
    RegisterStatements(pooled);
    return pooled;
  }
  ++open_;
  lock.unlock();
  Pooled pooled;
  try {
    pooled.conn = std::make_unique<pqxx::connection>(url_);
  } catch (...) {
    lock.lock();
    --open_;
    available_.notify_one();
    Rethrow();
  }
  lock.lock();
  RegisterStatements(pooled);
  return pooled;
}

void Database::RegisterStatements(Pooled& pooled) {
  // Only records the definitions in libpqxx: the server prepares each one on its first use.
  for (; pooled.prepared < statements_.size(); ++pooled.prepared) {
    const auto& [name, sql] = statements_[pooled.prepared];
    pooled.conn->prepare(name, sql);
  }
}

void Database::Release(Pooled pooled) {
  const std::lock_guard lock(mutex_);
  if (pooled.conn && pooled.conn->is_open()) {
    idle_.push_back(std::move(pooled));
  } else {
    --open_;
  }
  available_.notify_one();
}

void Database::Prepare(std::string name, std::string sql) {
  const std::lock_guard lock(mutex_);
  for (const auto& [known, known_sql] : statements_) {
    if (known != name) continue;
    if (known_sql != sql) throw Error("prepared statement " + name + " registered twice");
    return;
  }
  statements_.emplace_back(std::move(name), std::move(sql));
}

void Database::WithConnection(const std::function<void(pqxx::connection&)>& work) {
  try {
    Lease lease(*this);
    work(*lease);
  } catch (const pqxx::failure&) {
    Rethrow();
  }
}

void Database::Transact(const std::function<void(Tx&)>& work, const IncomingEvent* incoming) {
  bool published = false;
  try {
    if (HeldTransaction* held = HeldTransaction::Of(*this);
        held != nullptr && incoming == nullptr) {
      Tx tx(held->Work(), source_, incoming);
      work(tx);
      held->Wrote(tx.Published());
      return;
    }
    Lease lease(*this);
    pqxx::work transaction(*lease);
    Tx tx(transaction, source_, incoming);
    work(tx);
    transaction.commit();
    published = tx.Published();
  } catch (const pqxx::failure&) {
    Rethrow();
  }
  if (published) NotifyOutboxObservers();
}

void Database::NotifyOutboxObservers() {
  std::vector<std::function<void()>> observers;
  {
    const std::lock_guard lock(mutex_);
    observers = outbox_observers_;
  }
  for (const auto& notify : observers) notify();
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

void Database::PrepareWithEvent(std::string name, std::string_view change, int params) {
  // A data-modifying WITH runs to completion even though nothing reads it.
  Prepare(std::move(name),
          "WITH change AS (" + std::string(change) + ") " + OutboxInsertSql(params + 1));
}

pqxx::result Database::ExecWithEvent(const std::string& statement, std::vector<std::string> params,
                                     const AnyEvent& event, std::string event_id) {
  OutboxRow row = MakeOutboxRow(event, source_, std::move(event_id));
  params.push_back(std::move(row.event_id));
  params.push_back(std::move(row.subject));
  params.push_back(std::move(row.payload));
  params.push_back(std::move(row.traceparent));
  pqxx::result result;
  try {
    if (HeldTransaction* held = HeldTransaction::Of(*this)) {
      result = held->Work().exec_prepared(statement, pqxx::prepare::make_dynamic_params(params));
      held->Ran(result, true);
      return result;
    }
    Lease lease(*this);
    pqxx::nontransaction sql(*lease);  // one statement: its own implicit transaction
    result = sql.exec_prepared(statement, pqxx::prepare::make_dynamic_params(params));
  } catch (const pqxx::failure&) {
    Rethrow();
  }
  NotifyOutboxObservers();
  return result;
}

bool Database::Ping() {
  try {
    WithConnection([](pqxx::connection& conn) {
      pqxx::nontransaction tx(conn);
      tx.exec("SELECT 1");
    });
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

void Database::OnOutboxCommit(std::function<void()> observer) {
  const std::lock_guard lock(mutex_);
  outbox_observers_.push_back(std::move(observer));
}

bool Database::Migrate(std::string_view component, const std::vector<Migration>& migrations) {
  bool fresh = false;
  Transact([&](Tx& tx) {
    auto& sql = tx.Sql();
    sql.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
    fresh = sql.exec("SELECT to_regclass('blog_schema_migrations') IS NULL")[0][0].as<bool>();
    sql.exec(
        "CREATE TABLE IF NOT EXISTS blog_schema_migrations (component text NOT NULL, "
        "version int NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), "
        "PRIMARY KEY (component, version))");
    const auto apply = [&](std::string_view name, int version, std::string_view step) {
      const auto done = sql.exec_params(
          "SELECT 1 FROM blog_schema_migrations WHERE component = $1 AND version = $2",
          std::string(name), version);
      if (!done.empty()) return;
      sql.exec(std::string(step));
      sql.exec_params("INSERT INTO blog_schema_migrations (component, version) VALUES ($1, $2)",
                      std::string(name), version);
      log::Info("migration applied", {{"component", name}, {"version", std::to_string(version)}});
    };
    apply("blog", 1, kBlogSchema);
    apply("blog", 2, kIdempotencySchema);
    for (const auto& m : migrations) apply(component, m.version, m.sql);
  });
  return fresh;
}

}  // namespace blog
