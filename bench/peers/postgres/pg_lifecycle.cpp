// The PostgreSQL peer of hitd's lifecycle benchmarks: full assignment
// lifecycles (a requester creates a HIT with one assignment, a worker
// accepts it, submits, the requester approves) per second against the
// number of clients, each client a thread with its own connection in a
// closed loop, with synchronous_commit on and off. Each step is one
// transaction: a prepared `SELECT fn(...)` of schema.sql's functions.
// Amounts are computed with hitd::core's fee functions, as hitd computes
// them. After the run the ledger is checked (every transfer balances, every
// account equals its entries, nothing below zero but the external account,
// the money where the lifecycles put it); a failed check fails the process.
//
// bench/peers/postgres/run.sh starts a throwaway server and runs this; by
// hand, against a database loaded with schema.sql:
//
//   PGHOST=/path/to/socket/dir PGDATABASE=hitd hitd_bench_postgres --benchmark_repetitions=5
//
// Environment: the libpq variables (PGHOST, PGPORT, PGDATABASE, PGUSER),
// HITD_BENCH_SECONDS (wall time per benchmark iteration, default 2),
// HITD_PG_REQUESTERS (how many requesters publish, default 1 as in
// hitd_bench_durable), HITD_PG_WORKERS (default 2,000 as there).
#include <benchmark/benchmark.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <hitd/hit_rules.hpp>
#include <hitd/money.hpp>

namespace {

// Bounds on what the environment may ask for.
constexpr int64_t clients_max = 256;
constexpr int64_t requesters_max = 10'000;
constexpr int64_t workers_max = 1'000'000;
constexpr double seconds_max = 600;
constexpr int warm_up_lifecycles = 3;   // per client, before the timed part

struct conn_deleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct result_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using conn_ptr = std::unique_ptr<PGconn, conn_deleter>;
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

struct pg_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

conn_ptr connect() {
  // The libpq environment variables say where: run.sh sets them.
  conn_ptr c{PQconnectdb("")};
  if (!c || PQstatus(c.get()) != CONNECTION_OK)
    throw pg_error(std::string("cannot connect to PostgreSQL: ") + (c ? PQerrorMessage(c.get()) : "out of memory"));
  return c;
}

result_ptr exec(PGconn* c, const char* sql) {
  result_ptr r{PQexec(c, sql)};
  auto st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    throw pg_error(std::string(sql) + ": " + PQerrorMessage(c));
  return r;
}

void prepare(PGconn* c, const char* name, const char* sql, int params) {
  result_ptr r{PQprepare(c, name, sql, params, nullptr)};
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
    throw pg_error(std::string("prepare ") + name + ": " + PQerrorMessage(c));
}

// Runs a prepared statement with text parameters; returns the first
// column of the first row (empty for void functions).
std::string call(PGconn* c, const char* name, const std::vector<std::string>& args) {
  std::vector<const char*> values;
  values.reserve(args.size());
  for (const auto& a : args)
    values.push_back(a.c_str());
  result_ptr r{PQexecPrepared(c, name, static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0)};
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
    throw pg_error(std::string(name) + ": " + PQerrorMessage(c));
  if (PQntuples(r.get()) != 1 || PQnfields(r.get()) != 1)
    throw pg_error(std::string(name) + ": expected one value");
  return PQgetisnull(r.get(), 0, 0) ? std::string{} : std::string{PQgetvalue(r.get(), 0, 0)};
}

int64_t env_int(const char* name, int64_t fallback, int64_t lo, int64_t hi) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  if (*end != '\0' || n < lo || n > hi) {
    std::fprintf(stderr, "%s=%s: expected an integer in [%lld, %lld]\n", name, v, static_cast<long long>(lo),
                 static_cast<long long>(hi));
    std::exit(2);
  }
  return n;
}

double env_seconds() {
  const char* v = std::getenv("HITD_BENCH_SECONDS");
  if (!v || !*v)
    return 2.0;
  char* end = nullptr;
  double s = std::strtod(v, &end);
  if (*end != '\0' || !(s > 0) || s > seconds_max) {
    std::fprintf(stderr, "HITD_BENCH_SECONDS=%s: expected seconds in (0, %g]\n", v, seconds_max);
    std::exit(2);
  }
  return s;
}

// The same HIT as hitd's benchmarks (bench/durable_lifecycle.cpp): reward
// $0.05, one assignment, an hour to do it, a day to auto-approval and to
// expiry.
const hitd::money reward = hitd::cents(5);
constexpr int64_t per_hit = 1;
const hitd::fee_schedule fees{};   // MTurk's, as hitd's default configuration
const hitd::money fee = hitd::reward_fee(fees, reward, per_hit);
const hitd::money hold = hitd::publish_hold(fees, reward, per_hit).value();
const hitd::money deposit = hitd::cents(900'000'000'000);   // as hitd's rig

struct fixture {
  std::vector<std::string> requesters;
  std::vector<std::string> workers;
};
fixture the_fixture;
std::atomic<bool> any_failure{false};

void create_fixture(int64_t requester_count, int64_t worker_count) {
  auto c = connect();
  exec(c.get(), "BEGIN");
  auto existing = exec(c.get(), "SELECT count(*) FROM requesters");
  if (std::string{PQgetvalue(existing.get(), 0, 0)} != "0")
    throw pg_error("the database already holds requesters: load a fresh schema.sql (run.sh does)");
  prepare(c.get(), "requester", "SELECT requester_create($1, $2)", 2);
  prepare(c.get(), "worker", "SELECT worker_create($1)", 1);
  for (int64_t i = 0; i < requester_count; ++i)
    the_fixture.requesters.push_back(
      call(c.get(), "requester", {"bench " + std::to_string(i), std::to_string(deposit.cents)}));
  for (int64_t i = 0; i < worker_count; ++i)
    the_fixture.workers.push_back(call(c.get(), "worker", {"1000000000"}));   // the cap is not what is measured
  exec(c.get(), "COMMIT");
  exec(c.get(), "VACUUM ANALYZE");
}

// One client: a connection with the lifecycle's statements prepared.
struct client {
  explicit client(bool synchronous_commit) : c(connect()) {
    exec(c.get(), synchronous_commit ? "SET synchronous_commit = on" : "SET synchronous_commit = off");
    prepare(c.get(), "create",
            "SELECT hit_create($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", 11);
    prepare(c.get(), "accept", "SELECT hit_accept($1, $2)", 2);
    prepare(c.get(), "submit", "SELECT assignment_submit($1, $2, $3)", 3);
    prepare(c.get(), "approve", "SELECT assignment_approve($1, $2, $3)", 3);
  }
  // One lifecycle, each step its own transaction.
  void lifecycle(const std::string& requester, const std::string& worker) {
    auto hit = call(c.get(), "create",
                    {requester, std::to_string(reward.cents), std::to_string(fee.cents), std::to_string(hold.cents),
                     std::to_string(per_hit), "86400", "3600", "86400", "Benchmark task",
                     "A HIT of the lifecycle benchmark", "<HTMLQuestion/>"});
    auto assignment = call(c.get(), "accept", {hit, worker});
    call(c.get(), "submit", {assignment, worker, "<QuestionFormAnswers/>"});
    call(c.get(), "approve", {assignment, requester, ""});
  }
  conn_ptr c;
};

void BM_PostgresLifecycle(benchmark::State& state) {
  const bool sync = state.range(0) == 1;
  const auto clients = static_cast<size_t>(state.range(1));
  const double seconds = env_seconds();
  std::vector<std::unique_ptr<client>> pool;
  try {
    for (size_t i = 0; i < clients; ++i)
      pool.push_back(std::make_unique<client>(sync));
  } catch (const std::exception& e) {
    any_failure = true;
    state.SkipWithError(e.what());
    return;
  }
  static std::atomic<uint64_t> next{0};   // across runs: each lifecycle takes the next worker
  // Warm-up, not timed: a new server process loads its caches and compiles
  // the functions on its first calls (64 of them at once take seconds here).
  {
    std::atomic<int64_t> failed{0};
    std::string error;
    std::mutex m;
    std::vector<std::thread> threads;
    for (size_t i = 0; i < clients; ++i)
      threads.emplace_back([&, i] {
        for (int k = 0; k < warm_up_lifecycles; ++k) {
          auto n = next.fetch_add(1);
          try {
            pool[i]->lifecycle(the_fixture.requesters[n % the_fixture.requesters.size()],
                               the_fixture.workers[n % the_fixture.workers.size()]);
          } catch (const std::exception& e) {
            std::lock_guard<std::mutex> g{m};
            error = e.what();
            failed.fetch_add(1);
          }
        }
      });
    for (auto& t : threads)
      t.join();
    if (failed.load() > 0) {
      any_failure = true;
      state.SkipWithError(("a warm-up lifecycle failed: " + error).c_str());
      return;
    }
  }
  int64_t lifecycles = 0;
  std::string first_error;
  for (auto _ : state) {
    std::atomic<int64_t> done{0}, failed{0};
    std::mutex m;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < clients; ++i)
      threads.emplace_back([&, i] {
        // A closed loop: the next lifecycle starts when this one is done.
        while (std::chrono::steady_clock::now() < deadline && failed.load() == 0) {
          auto n = next.fetch_add(1);
          const auto& f = the_fixture;
          try {
            pool[i]->lifecycle(f.requesters[n % f.requesters.size()], f.workers[n % f.workers.size()]);
            done.fetch_add(1);
          } catch (const std::exception& e) {
            std::lock_guard<std::mutex> g{m};
            if (first_error.empty())
              first_error = e.what();
            failed.fetch_add(1);
          }
        }
      });
    for (auto& t : threads)
      t.join();
    lifecycles += done.load();
    if (failed.load() > 0) {
      any_failure = true;
      state.SkipWithError(("a lifecycle failed: " + first_error).c_str());
      return;
    }
  }
  state.SetItemsProcessed(lifecycles);
  state.counters["lifecycles"] = static_cast<double>(lifecycles);
  state.counters["requesters"] = static_cast<double>(the_fixture.requesters.size());
  state.SetLabel(sync ? "synchronous_commit=on" : "synchronous_commit=off");
}
BENCHMARK(BM_PostgresLifecycle)
  ->ArgsProduct({{1, 0}, {1, 2, 4, 8, 16, 32, 64}})
  ->ArgNames({"sync", "clients"})
  ->Unit(benchmark::kMillisecond)
  ->UseRealTime()
  ->Iterations(1);

// The ledger after the run. Returns the problems found (empty when sound).
std::vector<std::string> check_ledger() {
  std::vector<std::string> problems;
  auto c = connect();
  auto one = [&](const char* what, const char* sql) {
    auto r = exec(c.get(), sql);
    if (PQntuples(r.get()) != 1)
      throw pg_error(std::string(what) + ": expected one row");
    std::string v = PQgetvalue(r.get(), 0, 0);
    return v;
  };
  auto expect = [&](const char* what, const char* sql, const std::string& want) {
    auto got = one(what, sql);
    if (got != want)
      problems.push_back(std::string(what) + ": " + got + ", expected " + want);
    return got;
  };
  exec(c.get(), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");   // one snapshot for every check
  expect("sum of all balances", "SELECT coalesce(sum(balance), 0) FROM accounts", "0");
  expect("accounts below zero (other than external)",
         "SELECT count(*) FROM accounts WHERE kind <> 0 AND balance < 0", "0");
  expect("transfers whose entries do not sum to zero",
         "SELECT count(*) FROM (SELECT transfer_id FROM entries GROUP BY transfer_id HAVING sum(amount) <> 0) t", "0");
  expect("transfers without entries",
         "SELECT count(*) FROM transfers t WHERE NOT EXISTS (SELECT 1 FROM entries e WHERE e.transfer_id = t.id)", "0");
  expect("accounts whose balance is not the sum of their entries",
         "SELECT count(*) FROM accounts a LEFT JOIN (SELECT account_id, sum(amount) s FROM entries GROUP BY account_id) e"
         " ON e.account_id = a.id WHERE a.balance <> coalesce(e.s, 0)", "0");
  const auto requesters = std::to_string(the_fixture.requesters.size());
  // Deposits: everything outside the external account came in through them.
  expect("money inside the marketplace, minus deposits",
         ("SELECT sum(balance) FILTER (WHERE kind <> 0) - " + std::to_string(deposit.cents) + " * " + requesters +
          " FROM accounts").c_str(), "0");
  // Where the lifecycles put it: each approved assignment paid its reward
  // to a worker and its fee to the platform, and drew both from the
  // requesters; every HIT here has its assignment approved or, when a run
  // stopped on an error, still holds its escrow.
  auto approved = one("approved", "SELECT count(*) FROM assignments WHERE status = 3");
  auto approved_n = std::stoll(approved);
  expect("paid to workers", "SELECT coalesce(sum(balance), 0) FROM accounts WHERE kind = 4",
         std::to_string(approved_n * reward.cents));
  expect("fees earned", "SELECT coalesce(sum(balance), 0) FROM accounts WHERE kind = 1",
         std::to_string(approved_n * fee.cents));
  expect("escrow of HITs whose assignment is approved",
         "SELECT coalesce(sum(a.balance), 0) FROM accounts a JOIN assignments s ON s.hit_id = a.owner"
         " WHERE a.kind = 3 AND s.status = 3", "0");
  expect("approved assignments per worker counter", "SELECT coalesce(sum(approved), 0) FROM workers", approved);
  exec(c.get(), "COMMIT");
  std::printf("ledger check: %s approved assignments, %s transfers, %s entries, %s accounts\n", approved.c_str(),
              one("t", "SELECT count(*) FROM transfers").c_str(), one("e", "SELECT count(*) FROM entries").c_str(),
              one("a", "SELECT count(*) FROM accounts").c_str());
  return problems;
}

} // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 2;
  try {
    create_fixture(env_int("HITD_PG_REQUESTERS", 1, 1, requesters_max),
                   env_int("HITD_PG_WORKERS", 2'000, 1, workers_max));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hitd_bench_postgres: setup failed: %s\n", e.what());
    return 1;
  }
  std::printf("per lifecycle: reward %s, fee %s, hold %s (hitd::core)\n", hitd::format_amount(reward).c_str(),
              hitd::format_amount(fee).c_str(), hitd::format_amount(hold).c_str());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::vector<std::string> problems;
  try {
    problems = check_ledger();
  } catch (const std::exception& e) {
    problems.push_back(std::string("the check itself failed: ") + e.what());
  }
  for (const auto& p : problems)
    std::fprintf(stderr, "LEDGER CHECK FAILED: %s\n", p.c_str());
  if (!problems.empty())
    return 1;
  if (any_failure) {
    std::fprintf(stderr, "hitd_bench_postgres: a benchmark failed (see above)\n");
    return 1;
  }
  std::printf("ledger check: passed\n");
  return 0;
}
