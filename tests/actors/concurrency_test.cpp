// A randomized concurrency test of the engine through its asynchronous API.
//
// Several client threads each keep up to `in_flight_max` commands in flight
// (callbacks count them back in) and pick random commands: publish HITs,
// accept, submit, return, approve, reject, override a rejection, bonus,
// extend or expire, add assignments, block and unblock workers, withdraw,
// delete HITs, plus reads and commands from the wrong requester or worker.
// Between phases, with every client stopped and every callback returned, one
// coordinator moves the manual clock so that abandonments, auto-approvals and
// expiries fire. Every answer is tallied by command and error code, and a
// code the command cannot produce fails the test. At checkpoints the books
// are recomputed from every HIT's full record (inspect_hit) and compared
// with the ledger, the requesters' balances and the workers' dashboards.
//
// The seed is printed first; HITD_SEED=<n> replays its choices (the thread
// interleaving, of course, is the scheduler's).

#include <gtest/gtest.h>

#include <hitd/hitd.hpp>

#include "../common/books.hpp"
#include "../common/random.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <semaphore>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

using hitd::errc;
using hitd::money;
using steady = std::chrono::steady_clock;

// ---- the shape of the run ---------------------------------------------------------

constexpr int client_threads = 4;
constexpr std::ptrdiff_t in_flight_max = 64;      // per client thread
constexpr int phases = 11;                        // the last one runs after a 31-day jump
constexpr int64_t commands_per_phase = 10'000;    // split over the client threads
constexpr int requester_count = 8;
constexpr int worker_count = 200;
constexpr int64_t deposit_cents = 60'000;         // $600 per requester at the start: runs short
constexpr int64_t top_up_cents = 40'000;          // once more, mid-run (sent twice, one token)
// A bound, not a speed target: a loaded 2-core machine under ASan takes
// over two minutes for the variant with failing writes (the ctest timeout
// of the engine tests is 600 s).
constexpr auto time_budget = std::chrono::seconds(360);
// With faults: one write in this many fails (each failure rebuilds the
// engine's memory from the store, so not too often).
constexpr uint64_t fault_interval = 997;
constexpr hitd::timestamp start_time = 1'767'225'600'000;   // 2026-01-01T00:00:00Z
constexpr size_t list_max = 4'096;                // per-thread lists of assignments

// ---- commands and the errors each may answer ----------------------------------------

enum class op : uint8_t {
  create_hit, create_hit_repeat, accept, submit, submit_repeat, return_assignment, approve,
  approve_override, reject, bonus, extend, expire_now, add_assignments, block, unblock,
  withdraw, delete_hit, read, wrong_requester, wrong_worker, count_
};
constexpr size_t op_count = static_cast<size_t>(op::count_);

const char* op_name(op o) {
  static constexpr std::array<const char*, op_count> names = {
    "create_hit", "create_hit_repeat", "accept", "submit", "submit_repeat", "return_assignment",
    "approve", "approve_override", "reject", "bonus", "extend", "expire_now", "add_assignments",
    "block", "unblock", "withdraw", "delete_hit", "read", "wrong_requester", "wrong_worker"};
  return names[static_cast<size_t>(o)];
}

using errc_set = uint64_t;
static_assert(hitd::errc_count <= 64);
constexpr errc_set bit(errc e) { return errc_set{1} << static_cast<unsigned>(e); }

// What each command may answer, from the rules in hit_rules.hpp,
// worker_rules.hpp and engine.hpp for the inputs this test sends. throttled
// is allowed everywhere but counted and bounded separately.
errc_set allowed(op o) {
  const errc_set ok = bit(errc::none);
  switch (o) {
    case op::create_hit:
    case op::create_hit_repeat:
      return ok | bit(errc::insufficient_funds);
    case op::accept:
      return ok | bit(errc::invalid_hit_state) | bit(errc::assignment_already_exists) |
             bit(errc::worker_blocked) | bit(errc::does_not_meet_requirements) | bit(errc::exceeds_daily_limit);
    case op::submit:
    case op::return_assignment:
      // Abandoned after a clock jump, or (submit) auto-approved: not in progress.
      return ok | bit(errc::invalid_assignment_state);
    case op::submit_repeat:
      return ok;   // the same idempotency key: the first submit stands
    case op::approve:
    case op::reject:
      // Still accepted / returned / abandoned: no submitted assignment; or
      // already approved (auto) / rejected.
      return ok | bit(errc::assignment_does_not_exist) | bit(errc::invalid_assignment_state);
    case op::approve_override:
      return ok | bit(errc::invalid_assignment_state) | bit(errc::insufficient_funds);
    case op::bonus:
      return ok | bit(errc::insufficient_funds) | bit(errc::assignment_does_not_exist);
    case op::extend:
      return ok | bit(errc::insufficient_funds) | bit(errc::invalid_hit_state);
    case op::expire_now:
    case op::delete_hit:
      return ok | bit(errc::invalid_hit_state);
    case op::add_assignments:
      return ok | bit(errc::invalid_maximum_assignments_increase) | bit(errc::invalid_hit_state) |
             bit(errc::insufficient_funds);
    case op::block:
    case op::unblock:
    case op::read:
      return ok;
    case op::withdraw:
      return ok | bit(errc::withdrawal_not_allowed) | bit(errc::insufficient_funds);
    case op::wrong_requester:
      return bit(errc::permission_denied);
    case op::wrong_worker:
      return bit(errc::assignment_does_not_exist) | bit(errc::invalid_parameter_value);
    case op::count_:
      break;
  }
  return 0;
}

// ---- shared state ----------------------------------------------------------------------

struct hit_ref {
  std::string hit_id;
  std::string requester_id;
};

struct assignment_ref {
  std::string assignment_id;
  std::string worker_id;
  std::string hit_id;
  std::string requester_id;
  std::string submit_key;
};

struct withdrawal {
  std::string worker_id;
  int64_t amount = 0;
};

struct world {
  std::unique_ptr<hitd::engine> engine;
  uint64_t seed = 0;
  steady::time_point deadline;
  std::vector<std::string> requesters;
  std::vector<std::string> workers;
  std::map<std::string, std::vector<std::string>> types;   // requester -> its HIT types

  std::mutex hits_mutex;
  std::vector<hit_ref> hits;                               // every HIT a create answered
  std::set<std::string> created_ids;

  // Answers by command and code.
  std::array<std::array<std::atomic<int64_t>, hitd::errc_count>, op_count> tally{};
  std::atomic<int64_t> issued{0}, answered{0}, answered_twice{0};
  std::atomic<int64_t> idempotency_mismatches{0};
  std::mutex unexpected_mutex;
  std::map<std::pair<size_t, int>, std::string> unexpected;   // (op, errc) -> first message

  // Money that entered or left the marketplace.
  int64_t deposits = 0;
  std::mutex withdraw_mutex;
  std::map<std::string, withdrawal> withdrawals;           // successful, by idempotency key
  int64_t anonymous_withdrawn = 0;                          // successful without a key
  std::map<std::string, int64_t> anonymous_by_worker;
  bool faults = false;   // storage_failure is an answer every command may give
};

using hitd::test::rnd::chance;
using hitd::test::rnd::pick;
using hitd::test::rnd::take;
using hitd::test::rnd::uniform;
std::mt19937_64 seeded(uint64_t seed, uint64_t stream, uint64_t sub) {
  return hitd::test::rnd::seeded(seed, stream, sub, 0xC0FFEE);
}
template <class T>
void keep(std::mt19937_64& g, std::vector<T>& v, T item) {
  hitd::test::rnd::keep(g, v, std::move(item), list_max);
}

// ---- one client thread ---------------------------------------------------------------------

class client : public std::enable_shared_from_this<client> {
public:
  client(std::shared_ptr<world> w, int phase, int index)
    : w_(std::move(w)), phase_(phase), index_(index),
      rng_(seeded(w_->seed, uint64_t(phase) + 1, uint64_t(index) + 1)) {}

  // Issues up to n commands, then waits until every one has answered.
  // Returns false if some callback never came within the time budget.
  bool run(int64_t n) {
    for (int64_t i = 0; i < n && steady::now() < w_->deadline; ++i) {
      if (!slots_.try_acquire_until(w_->deadline))
        break;
      issue_one();
    }
    auto until = std::max(w_->deadline, steady::now()) + std::chrono::seconds(30);
    for (std::ptrdiff_t k = 0; k < in_flight_max; ++k)
      if (!slots_.try_acquire_until(until))
        return false;
    slots_.release(in_flight_max);
    return true;
  }

private:
  using cb_lock = std::lock_guard<std::mutex>;

  std::string key(char kind) {
    return std::string(1, kind) + "P" + std::to_string(phase_) + "T" + std::to_string(index_) + "N" +
           std::to_string(++counter_);
  }

  // Wraps a completion: counts it (once), tallies the code, runs f, frees the slot.
  template <class T, class F>
  hitd::callback<T> answer(op o, F f) {
    auto self = shared_from_this();
    auto once = std::make_shared<std::atomic<bool>>(false);
    w_->issued.fetch_add(1, std::memory_order_relaxed);
    return [self, o, once, f = std::move(f)](hitd::result<T> r) mutable {
      if (once->exchange(true)) {
        self->w_->answered_twice.fetch_add(1);
        return;
      }
      auto code = r.code();
      self->w_->tally[static_cast<size_t>(o)][static_cast<size_t>(code)].fetch_add(1, std::memory_order_relaxed);
      if (code != errc::throttled && !(self->w_->faults && code == errc::storage_failure) && !(allowed(o) & bit(code))) {
        std::lock_guard<std::mutex> g{self->w_->unexpected_mutex};
        self->w_->unexpected.try_emplace({static_cast<size_t>(o), static_cast<int>(code)}, r.err().message);
      }
      f(r);
      self->w_->answered.fetch_add(1, std::memory_order_release);
      self->slots_.release();
    };
  }

  std::optional<hit_ref> some_hit(bool recent_bias) {
    std::lock_guard<std::mutex> g{w_->hits_mutex};
    if (w_->hits.empty())
      return std::nullopt;
    size_t n = w_->hits.size();
    size_t lo = recent_bias && chance(rng_, 0.7) && n > 256 ? n - 256 : 0;
    return w_->hits[uniform<size_t>(rng_, lo, n - 1)];
  }

  const std::string& some_worker() { return pick(rng_, w_->workers); }
  const std::string& some_requester() { return pick(rng_, w_->requesters); }

  // A random id of `ids` other than `not_this` (which must be one of them).
  const std::string& other_than(const std::vector<std::string>& ids, const std::string& not_this) {
    auto at = static_cast<size_t>(std::find(ids.begin(), ids.end(), not_this) - ids.begin());
    return ids[(at + uniform<size_t>(rng_, 1, ids.size() - 1)) % ids.size()];
  }

  void issue_one() {
    static const std::array<double, op_count> weights = {
      10,   // create_hit
      1,    // create_hit_repeat
      30,   // accept
      16,   // submit
      1,    // submit_repeat
      4,    // return_assignment
      8,    // approve
      2,    // approve_override
      4,    // reject
      4,    // bonus
      2,    // extend
      1.5,  // expire_now
      2,    // add_assignments
      0.7,  // block
      1,    // unblock
      4,    // withdraw
      2,    // delete_hit
      3,    // read
      1,    // wrong_requester
      1,    // wrong_worker
    };
    std::discrete_distribution<size_t> choose(weights.begin(), weights.end());
    auto o = static_cast<op>(choose(rng_));
    if (!issue(o) && !issue(op::accept))
      issue(op::create_hit);
  }

  // Issues one command of kind o; false when it has nothing to act on.
  bool issue(op o) {
    auto& e = *w_->engine;
    auto now = e.now();
    switch (o) {
      case op::create_hit: {
        hitd::create_hit_request req;
        req.requester_id = some_requester();
        req.hit_type_id = pick(rng_, w_->types.at(req.requester_id));
        req.max_assignments = uniform<int64_t>(rng_, 1, 12);
        static constexpr std::array<int64_t, 6> lifetimes = {60, 600, 3'600, 21'600, 86'400, 259'200};
        req.lifetime_s = lifetimes[uniform<size_t>(rng_, 0, lifetimes.size() - 1)];
        req.question = "<HTMLQuestion>label it</HTMLQuestion>";
        bool tokened = chance(rng_, 0.3);
        if (tokened) {
          req.unique_request_token = key('C');
          cb_lock g{m_};
          keep(rng_, create_tokens_, std::make_pair(req, std::string{}));
        }
        auto token = req.unique_request_token;
        auto requester = req.requester_id;
        e.create_hit(std::move(req), answer<hitd::hit_view>(o, [this, token, requester](const hitd::result<hitd::hit_view>& r) {
          if (!r.ok())
            return;
          {
            std::lock_guard<std::mutex> g{w_->hits_mutex};
            w_->hits.push_back({r->hit_id, requester});
            w_->created_ids.insert(r->hit_id);
          }
          if (!token.empty()) {
            cb_lock g{m_};
            for (auto& [rq, id] : create_tokens_)
              if (rq.unique_request_token == token)
                id = r->hit_id;
          }
        }));
        return true;
      }
      case op::create_hit_repeat: {
        hitd::create_hit_request req;
        std::string first;
        {
          cb_lock g{m_};
          if (create_tokens_.empty())
            return false;
          std::tie(req, first) = pick(rng_, create_tokens_);
        }
        // Within 24 h of clock time the first HIT comes back; `first` is set
        // only when the first create has already answered.
        e.create_hit(std::move(req), answer<hitd::hit_view>(o, [this, first](const hitd::result<hitd::hit_view>& r) {
          if (r.ok() && !first.empty() && r->hit_id != first)
            w_->idempotency_mismatches.fetch_add(1);
          if (r.ok() && first.empty()) {
            std::lock_guard<std::mutex> g{w_->hits_mutex};
            if (w_->created_ids.insert(r->hit_id).second)
              w_->hits.push_back({r->hit_id, r->requester_id});
          }
        }));
        return true;
      }
      case op::accept: {
        auto h = some_hit(true);
        if (!h)
          return false;
        auto worker = some_worker();
        hitd::accept_request req{worker, h->hit_id, chance(rng_, 0.5) ? key('A') : std::string{}};
        e.accept(std::move(req), answer<hitd::assignment_view>(o, [this, h = *h, worker](const hitd::result<hitd::assignment_view>& r) {
          if (!r.ok())
            return;
          cb_lock g{m_};
          keep(rng_cb_, accepted_, assignment_ref{r->assignment_id, worker, h.hit_id, h.requester_id, {}});
        }));
        return true;
      }
      case op::submit: {
        assignment_ref a;
        {
          cb_lock g{m_};
          if (accepted_.empty())
            return false;
          a = take(rng_, accepted_);
        }
        a.submit_key = chance(rng_, 0.7) ? key('S') : std::string{};
        hitd::submit_request req{a.worker_id, a.assignment_id, "<QuestionFormAnswers/>", a.submit_key};
        e.submit(std::move(req), answer<hitd::done>(o, [this, a](const hitd::status& r) {
          if (!r.ok())
            return;
          cb_lock g{m_};
          keep(rng_cb_, submitted_, a);
          keep(rng_cb_, bonusable_, a);
        }));
        return true;
      }
      case op::submit_repeat: {
        assignment_ref a;
        {
          cb_lock g{m_};
          std::vector<const assignment_ref*> keyed;
          for (const auto& s : bonusable_)
            if (!s.submit_key.empty())
              keyed.push_back(&s);
          if (keyed.empty())
            return false;
          a = *pick(rng_, keyed);
        }
        e.submit({a.worker_id, a.assignment_id, "<QuestionFormAnswers/>", a.submit_key},
                 answer<hitd::done>(o, [](const hitd::status&) {}));
        return true;
      }
      case op::return_assignment: {
        assignment_ref a;
        {
          cb_lock g{m_};
          if (accepted_.empty())
            return false;
          a = take(rng_, accepted_);
        }
        e.return_assignment(a.worker_id, a.assignment_id, answer<hitd::done>(o, [](const hitd::status&) {}));
        return true;
      }
      case op::approve:
      case op::reject: {
        assignment_ref a;
        {
          cb_lock g{m_};
          // Now and then one that is still in progress (not yet submitted).
          auto& from = !accepted_.empty() && (submitted_.empty() || chance(rng_, 0.08)) ? accepted_ : submitted_;
          if (from.empty())
            return false;
          a = take(rng_, from);
        }
        if (o == op::approve) {
          e.approve_assignment({a.requester_id, a.assignment_id, "thanks", false},
                               answer<hitd::done>(o, [](const hitd::status&) {}));
        } else {
          e.reject_assignment(a.requester_id, a.assignment_id, "the label is wrong",
                              answer<hitd::done>(o, [this, a](const hitd::status& r) {
                                if (!r.ok())
                                  return;
                                cb_lock g{m_};
                                keep(rng_cb_, rejected_, a);
                              }));
        }
        return true;
      }
      case op::approve_override: {
        assignment_ref a;
        {
          cb_lock g{m_};
          if (rejected_.empty())
            return false;
          a = take(rng_, rejected_);
        }
        e.approve_assignment({a.requester_id, a.assignment_id, "on second thought", true},
                             answer<hitd::done>(o, [](const hitd::status&) {}));
        return true;
      }
      case op::bonus: {
        assignment_ref a;
        {
          cb_lock g{m_};
          auto& from = !bonusable_.empty() ? bonusable_ : accepted_;
          if (from.empty())
            return false;
          a = pick(rng_, from);
        }
        hitd::bonus_request req{a.requester_id, a.worker_id, a.assignment_id,
                                hitd::cents(uniform<int64_t>(rng_, 1, 300)), "good work",
                                chance(rng_, 0.3) ? key('B') : std::string{}};
        e.send_bonus(std::move(req), answer<hitd::done>(o, [](const hitd::status&) {}));
        return true;
      }
      case op::extend:
      case op::expire_now: {
        auto h = some_hit(false);
        if (!h)
          return false;
        hitd::timestamp at = o == op::extend ? now + hitd::seconds(uniform<int64_t>(rng_, 60, 2 * 86'400))
                                             : now - hitd::seconds(uniform<int64_t>(rng_, 0, 1));
        e.update_expiration(h->requester_id, h->hit_id, at, answer<hitd::done>(o, [](const hitd::status&) {}));
        return true;
      }
      case op::add_assignments: {
        auto h = some_hit(true);
        if (!h)
          return false;
        e.create_additional_assignments(h->requester_id, h->hit_id, uniform<int64_t>(rng_, 1, 3),
                                        chance(rng_, 0.3) ? key('X') : std::string{},
                                        answer<hitd::done>(o, [](const hitd::status&) {}));
        return true;
      }
      case op::block:
      case op::unblock: {
        const auto& r = some_requester();
        const auto& worker = some_worker();
        if (o == op::block)
          e.create_worker_block(r, worker, "careless work", answer<hitd::done>(o, [](const hitd::status&) {}));
        else
          e.delete_worker_block(r, worker, "second chance", answer<hitd::done>(o, [](const hitd::status&) {}));
        return true;
      }
      case op::withdraw: {
        withdrawal wd;
        std::string k;
        if (!last_withdraw_key_.empty() && chance(rng_, 0.15)) {
          k = last_withdraw_key_;   // a retried withdrawal: at most one takes effect
          wd = last_withdraw_;
        } else {
          wd.worker_id = some_worker();
          wd.amount = chance(rng_, 0.1) ? uniform<int64_t>(rng_, 1, 99) : uniform<int64_t>(rng_, 100, 800);
          k = chance(rng_, 0.7) ? key('W') : std::string{};
          if (!k.empty()) {
            last_withdraw_key_ = k;
            last_withdraw_ = wd;
          }
        }
        e.withdraw(wd.worker_id, hitd::cents(wd.amount), k, answer<money>(o, [this, wd, k](const hitd::result<money>& r) {
          if (!r.ok())
            return;
          std::lock_guard<std::mutex> g{w_->withdraw_mutex};
          if (k.empty()) {
            w_->anonymous_withdrawn += wd.amount;
            w_->anonymous_by_worker[wd.worker_id] += wd.amount;
          } else {
            w_->withdrawals.try_emplace(k, wd);
          }
        }));
        return true;
      }
      case op::delete_hit: {
        auto h = some_hit(false);
        if (!h)
          return false;
        e.delete_hit(h->requester_id, h->hit_id, answer<hitd::done>(o, [](const hitd::status&) {}));
        return true;
      }
      case op::read: {
        switch (uniform<int>(rng_, 0, 2)) {
          case 0:
            e.dashboard(some_worker(), answer<hitd::worker_dashboard>(o, [](const auto&) {}));
            return true;
          case 1:
            e.get_account_balance(some_requester(), answer<hitd::account_balance>(o, [](const auto&) {}));
            return true;
          default: {
            auto h = some_hit(true);
            if (!h)
              return false;
            e.get_hit(h->requester_id, h->hit_id, answer<hitd::hit_view>(o, [](const auto&) {}));
            return true;
          }
        }
      }
      case op::wrong_requester: {
        auto h = some_hit(true);
        if (!h)
          return false;
        const std::string& other = other_than(w_->requesters, h->requester_id);
        switch (uniform<int>(rng_, 0, 3)) {
          case 0:
            e.update_expiration(other, h->hit_id, now - 1, answer<hitd::done>(o, [](const auto&) {}));
            break;
          case 1:
            e.delete_hit(other, h->hit_id, answer<hitd::done>(o, [](const auto&) {}));
            break;
          case 2:
            e.create_additional_assignments(other, h->hit_id, 1, {}, answer<hitd::done>(o, [](const auto&) {}));
            break;
          default:
            e.get_hit(other, h->hit_id, answer<hitd::hit_view>(o, [](const auto&) {}));
            break;
        }
        return true;
      }
      case op::wrong_worker: {
        assignment_ref a;
        bool decided = false;
        {
          cb_lock g{m_};
          decided = !bonusable_.empty() && chance(rng_, 0.5);
          auto& from = decided ? bonusable_ : accepted_;
          if (from.empty())
            return false;
          a = pick(rng_, from);
        }
        const std::string& other = other_than(w_->workers, a.worker_id);
        if (decided)
          e.send_bonus({a.requester_id, other, a.assignment_id, hitd::cents(5), "wrong worker", {}},
                       answer<hitd::done>(o, [](const auto&) {}));
        else if (chance(rng_, 0.5))
          e.submit({other, a.assignment_id, "<QuestionFormAnswers/>", {}}, answer<hitd::done>(o, [](const auto&) {}));
        else
          e.return_assignment(other, a.assignment_id, answer<hitd::done>(o, [](const auto&) {}));
        return true;
      }
      case op::count_:
        break;
    }
    return false;
  }

  std::shared_ptr<world> w_;
  int phase_;
  int index_;
  std::mt19937_64 rng_;            // the client thread's choices
  uint64_t counter_ = 0;
  std::counting_semaphore<in_flight_max> slots_{in_flight_max};

  std::mutex m_;                   // guards what callbacks touch below
  std::mt19937_64 rng_cb_{0};      // list trimming inside callbacks (under m_)
  std::vector<assignment_ref> accepted_;    // accepted, not yet submitted/returned by us
  std::vector<assignment_ref> submitted_;   // submitted, not yet decided by us
  std::vector<assignment_ref> rejected_;    // rejected by us: override candidates
  std::vector<assignment_ref> bonusable_;   // submitted at some point: bonus candidates
  std::vector<std::pair<hitd::create_hit_request, std::string>> create_tokens_;

  std::string last_withdraw_key_;  // client thread only
  withdrawal last_withdraw_;
};

// ---- the books, recomputed ------------------------------------------------------------------

using hitd::books::violations;

void check_books(world& w, const std::string& label) {
  auto& e = *w.engine;
  e.drain();
  const auto now = e.now();
  violations bad;

  auto audit = e.audit_ledger();
  ASSERT_TRUE(audit.ok()) << label;

  // Every HIT: over-assignment, counts, deadlines applied, escrow
  // (tests/common/books.hpp).
  const auto b = hitd::books::scan_hits(e, now, bad, false);
  const uint64_t hit_count = e.hit_count();
  {
    std::lock_guard<std::mutex> g{w.hits_mutex};
    for (const auto& id : w.created_ids) {
      auto n = hitd::parse_id(hitd::id_kind::hit, id);
      if (!n || *n >= hit_count)
        bad.add("a HIT a create answered is beyond hit_count()", id);
      else if (!e.inspect_hit(id).ok())
        bad.add("a HIT a create answered cannot be inspected", id);
    }
  }

  // Requesters: balances against the ledger and their HITs' escrow.
  money available_sum, held_sum;
  for (const auto& r : w.requesters) {
    auto bal = e.get_account_balance(r);
    if (!bal.ok()) {
      bad.add("get_account_balance failed", r + ": " + bal.err().message);
      continue;
    }
    available_sum += bal->available;
    held_sum += bal->on_hold;
    if (bal->available.cents < 0 || bal->on_hold.cents < 0)
      bad.add("a requester balance is negative", r);
    auto held = b.held_by_requester.count(r) ? b.held_by_requester.at(r) : money{};
    if (bal->on_hold != held)
      bad.add("a requester's on_hold differs from the escrow of its HITs",
              r + ": on_hold " + std::to_string(bal->on_hold.cents) + " sum of escrow_held " + std::to_string(held.cents));
  }

  // Money that left the marketplace.
  int64_t withdrawn = 0;
  std::map<std::string, int64_t> withdrawn_by_worker;
  {
    std::lock_guard<std::mutex> g{w.withdraw_mutex};
    withdrawn = w.anonymous_withdrawn;
    withdrawn_by_worker = w.anonymous_by_worker;
    for (const auto& [k, wd] : w.withdrawals) {
      withdrawn += wd.amount;
      withdrawn_by_worker[wd.worker_id] += wd.amount;
    }
  }
  const money net_in = money{w.deposits - withdrawn};

  EXPECT_EQ(audit->total.cents, 0) << label << ": the ledger does not sum to zero";
  EXPECT_EQ(audit->external.cents, -net_in.cents) << label << ": the external account is not -(deposits - withdrawals)";
  EXPECT_EQ(available_sum.cents, audit->requesters_available.cents) << label << ": requesters' available";
  EXPECT_EQ(held_sum.cents, audit->requesters_held.cents) << label << ": requesters' on_hold";
  EXPECT_EQ((available_sum + held_sum + audit->workers + audit->platform).cents, net_in.cents)
    << label << ": money is not conserved: requesters " << (available_sum + held_sum).cents << " + workers "
    << audit->workers.cents << " + platform " << audit->platform.cents << " vs deposits " << w.deposits
    << " - withdrawals " << withdrawn;
  EXPECT_EQ((audit->workers + money{withdrawn}).cents, (b.approved_rewards + b.bonuses).cents)
    << label << ": worker earnings (ledger " << audit->workers.cents << " + withdrawn " << withdrawn
    << ") differ from approved rewards " << b.approved_rewards.cents << " + bonuses " << b.bonuses.cents;
  EXPECT_EQ(audit->platform.cents, (b.reward_fees + b.bonus_fees).cents)
    << label << ": platform fees differ from the fees of approved assignments " << b.reward_fees.cents
    << " + bonus fees " << b.bonus_fees.cents;

  // Workers: every dashboard against the assignments, bonuses and withdrawals.
  money dashboard_balances;
  for (const auto& id : w.workers) {
    auto d = e.dashboard(id);
    if (!d.ok()) {
      bad.add("dashboard failed", id + ": " + d.err().message);
      continue;
    }
    auto rw = b.by_worker.count(id) ? b.by_worker.at(id) : hitd::books::worker_tally{};
    hitd::books::check_dashboard(id, *d, rw, bad);
    if (d->withdrawn.cents != withdrawn_by_worker[id])
      bad.add("dashboard withdrawn differs from the withdrawals answered",
              id + ": dashboard " + std::to_string(d->withdrawn.cents) + " withdrawn " +
                std::to_string(withdrawn_by_worker[id]));
    dashboard_balances += d->available_balance;
  }
  EXPECT_EQ(dashboard_balances.cents, audit->workers.cents)
    << label << ": the workers' dashboard balances differ from their ledger accounts";

  bad.report(label);
  std::cout << "[ books ] " << label << ": " << b.hits_seen << " HITs, " << b.assignments_seen
            << " assignments; requesters " << (available_sum + held_sum).cents << " (held " << held_sum.cents
            << "), workers " << audit->workers.cents << ", platform " << audit->platform.cents << ", withdrawn "
            << withdrawn << ", deposits " << w.deposits << " (cents)" << std::endl;
}

uint64_t seed_from_env() {
  if (const char* s = std::getenv("HITD_SEED"); s && *s)
    return std::strtoull(s, nullptr, 10);
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}

hitd::hit_properties type_props(int k) {
  using hitd::comparator;
  namespace sq = hitd::system_qualification;
  hitd::hit_properties p;
  p.title = "Task kind " + std::to_string(k);
  p.description = "A randomized concurrency test task";
  p.keywords = "test";
  hitd::qualification_requirement locale_req;
  locale_req.qualification_type_id = std::string{sq::locale};
  switch (k) {
    case 0:   // no requirements
      p.reward = hitd::cents(7);
      p.assignment_duration_s = 120;
      p.auto_approval_delay_s = 3'600;
      break;
    case 1:   // US only
      p.reward = hitd::cents(13);
      p.assignment_duration_s = 600;
      p.auto_approval_delay_s = 86'400;
      locale_req.cmp = comparator::equal_to;
      locale_req.locale_values = {{"US", ""}};
      p.requirements = {locale_req};
      break;
    case 2:   // approved at once on submit (AutoApprovalDelayInSeconds = 0)
      p.reward = hitd::cents(25);
      p.assignment_duration_s = 300;
      p.auto_approval_delay_s = 0;
      locale_req.cmp = comparator::in;
      locale_req.locale_values = {{"US", ""}, {"CA", ""}, {"GB", ""}};
      p.requirements = {locale_req};
      break;
    case 3: {  // a good approval rate
      p.reward = hitd::cents(50);
      p.assignment_duration_s = 1'800;
      p.auto_approval_delay_s = 3 * 86'400;
      hitd::qualification_requirement rate;
      rate.qualification_type_id = std::string{sq::percent_assignments_approved};
      rate.cmp = comparator::greater_than_or_equal_to;
      rate.integer_values = {60};
      p.requirements = {rate};
      break;
    }
    default:  // not IN (and a locale at all)
      p.reward = hitd::cents(120);
      p.assignment_duration_s = 3'600;
      p.auto_approval_delay_s = 7 * 86'400;
      locale_req.cmp = comparator::not_in;
      locale_req.locale_values = {{"IN", ""}};
      p.requirements = {locale_req};
      break;
  }
  return p;
}

} // namespace

// The whole run. With `faults`, the store fails every so many writes once
// the parties exist: each failed command must answer storage_failure (or
// throttled), the engine rebuilds its memory from the store, and every
// check holds as without faults.
void run_world(std::shared_ptr<hitd::faulty_store> faults) {
  const auto started = steady::now();
  auto w = std::make_shared<world>();
  w->faults = faults != nullptr;
  w->seed = seed_from_env();
  w->deadline = started + time_budget;
  std::cout << "[ seed  ] HITD_SEED=" << w->seed << std::endl;
  ::testing::Test::RecordProperty("seed", std::to_string(w->seed));
  std::mt19937_64 coord = seeded(w->seed, 0, 0);

  auto clock = std::make_shared<hitd::manual_clock>(start_time);
  hitd::engine_config config;
  // Low daily caps, so that the cap (with accepts in flight) is reached.
  config.workers.probation_daily_accepts = 10;
  config.workers.daily_accepts = 60;
  std::shared_ptr<hitd::storage_port> store = std::make_shared<hitd::memory_store>();
  if (faults)
    store = faults;
  w->engine = std::make_unique<hitd::engine>(hitd::engine::options{config, clock, store});
  auto& e = *w->engine;

  // Requesters with money and HIT types.
  for (int i = 0; i < requester_count; ++i) {
    auto r = e.create_requester({"Requester " + std::to_string(i), {}});
    ASSERT_TRUE(r.ok()) << r.err().message;
    auto d = e.deposit(*r, hitd::cents(deposit_cents), "initial-" + std::to_string(i));
    ASSERT_TRUE(d.ok()) << d.err().message;
    w->deposits += deposit_cents;
    for (int k = 0; k < 5; ++k) {
      auto t = e.create_hit_type(*r, type_props(k));
      ASSERT_TRUE(t.ok()) << t.err().message;
      w->types[*r].push_back(*t);
    }
    w->requesters.push_back(*r);
  }
  // Workers: most registered 30 days ago (may withdraw), the rest on
  // probation for 8 more days; locales mixed, some with none.
  static const std::array<hitd::locale, 8> locales = {{
    {"US", "WA"}, {"US", ""}, {"CA", ""}, {"GB", ""}, {"IN", ""}, {"DE", ""}, {"US", "NY"}, {"", ""}}};
  for (int i = 0; i < worker_count; ++i) {
    hitd::worker_spec spec;
    spec.home = locales[static_cast<size_t>(i) % locales.size()];
    spec.registered = i % 10 < 7 ? start_time - hitd::days(30) : start_time - hitd::days(2);
    auto id = e.create_worker(spec);
    ASSERT_TRUE(id.ok()) << id.err().message;
    w->workers.push_back(*id);
  }

  if (faults)
    faults->fail_every(fault_interval);
  bool lost_callbacks = false;
  for (int phase = 0; phase < phases && steady::now() < w->deadline; ++phase) {
    std::vector<std::shared_ptr<client>> clients;
    std::vector<std::thread> threads;
    std::atomic<bool> phase_ok{true};
    for (int t = 0; t < client_threads; ++t)
      clients.push_back(std::make_shared<client>(w, phase, t));
    for (int t = 0; t < client_threads; ++t)
      threads.emplace_back([&, t] {
        if (!clients[static_cast<size_t>(t)]->run(commands_per_phase / client_threads))
          phase_ok = false;
      });
    for (auto& th : threads)
      th.join();
    if (!phase_ok) {
      lost_callbacks = true;
      ADD_FAILURE() << "phase " << phase << ": some callbacks never came (issued " << w->issued.load()
                    << ", answered " << w->answered.load() << ")";
      break;
    }
    e.drain();

    // Mid-run, a top-up sent twice with one token: only one may count.
    // No injected fault meanwhile: the check is of the token, and with
    // faults one of these writes is the every-997th one now and then.
    if (phase == phases / 2) {
      if (faults)
        faults->fail_every(0);
      for (size_t i = 0; i < w->requesters.size(); ++i) {
        for (int repeat = 0; repeat < 2; ++repeat) {
          auto d = e.deposit(w->requesters[i], hitd::cents(top_up_cents), "top-up-" + std::to_string(i));
          EXPECT_TRUE(d.ok()) << d.err().message;
        }
        w->deposits += top_up_cents;
      }
      if (faults)
        faults->fail_every(fault_interval);
    }

    // Time moves only here, with every client stopped: a random step, and
    // 31 days before the last phase (every auto-approval falls due and the
    // 30-day override window closes on the rejections made before it).
    if (phase + 1 < phases) {
      static constexpr std::array<hitd::duration_ms, 8> steps = {
        hitd::seconds(45), hitd::seconds(600), hitd::seconds(3'600), hitd::seconds(3'600),
        hitd::seconds(6 * 3'600), hitd::days(1), hitd::days(2), hitd::days(4)};
      auto step = phase + 2 == phases ? hitd::days(31) : steps[uniform<size_t>(coord, 0, steps.size() - 1)];
      e.advance_clock(step);
      std::cout << "[ phase ] " << phase << " done after " << w->answered.load() << " answers; clock +"
                << step / 1000 << " s" << std::endl;
    }
    if (phase % 3 == 2 || phase + 2 == phases)
      check_books(*w, "after phase " + std::to_string(phase));
  }
  ASSERT_FALSE(lost_callbacks);
  EXPECT_LT(steady::now(), w->deadline) << "the run hit its time budget before issuing every command";

  // Every command answered exactly once, and only with codes it may answer.
  EXPECT_EQ(w->issued.load(), w->answered.load());
  EXPECT_EQ(w->answered_twice.load(), 0);
  EXPECT_GE(w->answered.load(), int64_t{100'000});
  EXPECT_EQ(w->idempotency_mismatches.load(), 0) << "a repeated UniqueRequestToken created a second HIT";
  int64_t throttled = 0;
  std::ostringstream table;
  for (size_t o = 0; o < op_count; ++o) {
    table << "  " << op_name(static_cast<op>(o)) << ":";
    for (int c = 0; c < hitd::errc_count; ++c)
      if (auto n = w->tally[o][static_cast<size_t>(c)].load())
        table << " " << hitd::errc_name(static_cast<errc>(c)) << "=" << n;
    table << "\n";
    throttled += w->tally[o][static_cast<size_t>(errc::throttled)].load();
  }
  std::cout << "[ tally ] answers by command and code:\n" << table.str() << std::flush;
  EXPECT_LE(throttled, 1 + w->answered.load() / 1000) << "throttled beyond 0.1% of the commands";
  for (const auto& [k, message] : w->unexpected)
    ADD_FAILURE() << op_name(static_cast<op>(k.first)) << " answered "
                  << hitd::errc_name(static_cast<errc>(k.second)) << " (" << w->tally[k.first][static_cast<size_t>(k.second)].load()
                  << " times), which it cannot: " << message;

  check_books(*w, "at the end");
  if (faults) {
    std::cout << "[ faults] " << faults->failed() << " of " << faults->commits() << " writes failed" << std::endl;
    EXPECT_GT(faults->failed(), 0u);
  }
  std::cout << "[ time  ] " << std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started).count()
            << " ms" << std::endl;
}

TEST(Concurrency, RandomCommandsKeepTheBooksExact) { run_world(nullptr); }

TEST(Concurrency, RandomCommandsWithFailingWritesKeepTheBooksExact) {
  run_world(std::make_shared<hitd::faulty_store>(std::make_shared<hitd::memory_store>()));
}
