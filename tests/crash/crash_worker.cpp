// hitd_crash_worker: the workload of the crash test (crash_test.cpp), run in
// a child process that the test kills with SIGKILL.
//
//   hitd_crash_worker DIR SEED RUN START_MS LOG
//
// Opens the RocksDB store in DIR (durability sync) and an engine on it whose
// clock starts at START_MS and runs 1000 times faster than real time (one
// real millisecond is one simulated second, so assignment durations, HIT
// lifetimes and auto-approval delays of 30 to 900 s fall due within a run),
// makes sure the fixed requesters, workers, deposits and types exist (each
// run asks again: they are idempotent), retries the commands of earlier runs
// whose answer the kill lost (same tokens and keys), and then lets several
// client threads issue random commands of every kind, a bounded number in
// flight, until it is killed (or, as a bound, after max_runtime). Every
// acknowledgement is appended to LOG (see crash_log.hpp for the format).
//
// Exit codes when it stops by itself: 2 bad arguments or the store/engine
// cannot be opened, 3 the run reached its bound without being killed.

#include "../common/random.hpp"
#include "crash_log.hpp"

#include <hitd/hitd.hpp>
#include <hitd/storage/rocksdb_store.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <latch>
#include <memory>
#include <mutex>
#include <random>
#include <semaphore>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace hitd;
using namespace hitd::crash;
using steady = std::chrono::steady_clock;

constexpr int client_threads = 3;
constexpr std::ptrdiff_t in_flight_max = 24;   // per client thread
constexpr int64_t commands_max = 2'000'000;     // a bound; the test kills it long before
constexpr auto max_runtime = std::chrono::seconds(30);
constexpr size_t list_max = 2'048;

// Simulated time: START + 1000 x the real time since the clock was made,
// i.e. START plus the real microseconds, as milliseconds. Not manual: the
// engine's timer thread fires deadlines on its own.
class fast_clock final : public hitd::clock {
public:
  explicit fast_clock(timestamp start) : start_(start), t0_(steady::now()) {}
  timestamp now() const override {
    return start_ + std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - t0_).count();
  }

private:
  timestamp start_;
  steady::time_point t0_;
};

// ---- the ack log ----------------------------------------------------------------------------

int log_fd = -1;

void log_line(std::string line) {
  line.push_back('\n');
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    auto n = ::write(log_fd, p, left);
    if (n < 0) {
      std::perror("hitd_crash_worker: write to the ack log");
      std::_Exit(2);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

template <class... A>
std::string words(const A&... a) {
  std::string s;
  ((s += (s.empty() ? "" : " "), s += a), ...);
  return s;
}
std::string num(int64_t n) { return std::to_string(n); }
std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

// ---- random choices ---------------------------------------------------------------------------

using hitd::test::rnd::chance;
using hitd::test::rnd::pick;
using hitd::test::rnd::take;
using hitd::test::rnd::uniform;
std::mt19937_64 seeded(uint64_t seed, uint64_t stream, uint64_t sub) {
  return hitd::test::rnd::seeded(seed, stream, sub, 0xC4A5);
}
template <class T>
void keep(std::mt19937_64& g, std::vector<T>& v, T item) {
  hitd::test::rnd::keep(g, v, std::move(item), list_max);
}

// ---- what the clients share ------------------------------------------------------------------

struct hit_ref {
  std::string hit_id, requester_id;
};
struct assignment_ref {
  std::string assignment_id, worker_id, hit_id, requester_id;
};

struct world {
  std::unique_ptr<engine> eng;
  uint64_t seed = 0;
  int run = 0;
  steady::time_point deadline;
  std::vector<std::string> requesters, workers;
  std::map<std::string, std::vector<std::string>> types;   // requester -> type ids (by kind)
  std::map<std::string, std::string> qtypes;               // requester -> qualification type

  std::mutex m;   // guards everything below
  std::mt19937_64 rng_cb{7};
  std::vector<hit_ref> hits;
  std::vector<assignment_ref> accepted, submitted, rejected, bonusable;
  std::set<std::string> pairs_in_flight;   // (requester or type) + worker: one block/grant at a time
  std::atomic<int64_t> issued{0};
};

// A create with a token is made from the token alone, so that a retry in a
// later run sends the very same request (a different one would be refused).
create_hit_request create_request(world& w, std::mt19937_64& g, const std::string& requester, const std::string& token) {
  std::mt19937_64 own = token.empty() ? std::mt19937_64{g()} : std::mt19937_64{std::hash<std::string>{}(token)};
  create_hit_request req;
  req.requester_id = requester;
  req.max_assignments = uniform<int64_t>(own, 1, 12);
  req.lifetime_s = uniform<int64_t>(own, 30, 900);
  req.question = "<HTMLQuestion>label it</HTMLQuestion>";
  req.unique_request_token = token;
  if (chance(own, 0.8)) {
    const auto& ts = w.types.at(requester);
    req.hit_type_id = ts[uniform<size_t>(own, 0, ts.size() - 1)];
  } else {
    hit_properties p;
    p.title = "Inline crash task";
    p.description = "A HIT created with its own properties";
    p.keywords = "crash,inline";
    p.reward = cents(uniform<int64_t>(own, 5, 90));
    p.assignment_duration_s = uniform<int64_t>(own, 30, 600);
    p.auto_approval_delay_s = uniform<int64_t>(own, 0, 600);
    req.properties = p;
  }
  return req;
}

// ---- one client thread ------------------------------------------------------------------------

enum class op : uint8_t {
  create_hit, create_hit_token, accept, accept_next, submit, return_assignment, approve, approve_override,
  reject, bonus, extend, expire_now, add_assignments, delete_hit, deposit, withdraw, block, grant, read, count_
};

class client {
public:
  client(world& w, int index) : w_(w), index_(index), rng_(seeded(w.seed, uint64_t(w.run) + 1, uint64_t(index) + 1)) {}

  void run() {
    while (w_.issued.load(std::memory_order_relaxed) < commands_max && steady::now() < w_.deadline) {
      if (!slots_.try_acquire_until(w_.deadline))
        break;
      w_.issued.fetch_add(1, std::memory_order_relaxed);
      issue_one();
    }
  }

private:
  std::string key(char kind) {
    return std::string(1, kind) + "R" + std::to_string(w_.run) + "T" + std::to_string(index_) + "N" +
           std::to_string(++counter_);
  }

  // A completion: runs f, frees the slot.
  template <class T, class F>
  callback<T> answer(F f) {
    return [this, f = std::move(f)](result<T> r) mutable {
      f(r);
      slots_.release();
    };
  }
  template <class T>
  callback<T> ignore() {
    return answer<T>([](const result<T>&) {});
  }
  // Logs `line` when the command succeeded; when it failed, that the
  // command with `token` was answered (so no later run retries it).
  template <class T>
  callback<T> ack(std::string line, std::string token = {}) {
    return answer<T>([line = std::move(line), token = std::move(token)](const result<T>& r) {
      if (r.ok())
        log_line(line);
      else if (!token.empty())
        log_line(words("no", token));
    });
  }

  std::optional<hit_ref> some_hit(bool recent) {
    std::lock_guard<std::mutex> g{w_.m};
    if (w_.hits.empty())
      return std::nullopt;
    size_t n = w_.hits.size();
    size_t lo = recent && n > 64 && chance(rng_, 0.7) ? n - 64 : 0;
    return w_.hits[uniform<size_t>(rng_, lo, n - 1)];
  }
  std::optional<assignment_ref> take_from(std::vector<assignment_ref>& v) {
    std::lock_guard<std::mutex> g{w_.m};
    if (v.empty())
      return std::nullopt;
    return take(rng_, v);
  }
  void remember(std::vector<assignment_ref>& v, assignment_ref a) {
    std::lock_guard<std::mutex> g{w_.m};
    keep(w_.rng_cb, v, std::move(a));
  }
  bool claim(const std::string& pair) {
    std::lock_guard<std::mutex> g{w_.m};
    return w_.pairs_in_flight.insert(pair).second;
  }
  void release_pair(const std::string& pair) {
    std::lock_guard<std::mutex> g{w_.m};
    w_.pairs_in_flight.erase(pair);
  }

  void issue_one() {
    static const std::array<double, static_cast<size_t>(op::count_)> weights = {
      8,    // create_hit
      2,    // create_hit_token
      24,   // accept
      6,    // accept_next
      16,   // submit
      4,    // return_assignment
      8,    // approve
      2,    // approve_override
      4,    // reject
      4,    // bonus
      2,    // extend
      1.5,  // expire_now
      2,    // add_assignments
      2,    // delete_hit
      1,    // deposit
      4,    // withdraw
      3,    // block
      3,    // grant
      2,    // read
    };
    std::discrete_distribution<size_t> choose(weights.begin(), weights.end());
    auto o = static_cast<op>(choose(rng_));
    if (!issue(o) && !issue(op::accept))
      issue(op::create_hit);
  }

  bool issue(op o) {
    auto& e = *w_.eng;
    auto now = e.now();
    switch (o) {
      case op::create_hit:
      case op::create_hit_token: {
        const auto& r = pick(rng_, w_.requesters);
        std::string token = o == op::create_hit_token ? key('C') : std::string{};
        if (!token.empty())
          log_line(words("hit?", r, token));
        auto req = create_request(w_, rng_, r, token);
        e.create_hit(std::move(req), answer<hit_view>([this, r, token](const result<hit_view>& v) {
          if (!v.ok()) {
            if (!token.empty())
              log_line(words("no", token));
            return;
          }
          log_line(words("hit", v->hit_id, r, num(v->max_assignments), or_dash(token)));
          std::lock_guard<std::mutex> g{w_.m};
          w_.hits.push_back({v->hit_id, r});
        }));
        return true;
      }
      case op::accept:
      case op::accept_next: {
        accept_request req;
        std::string requester;
        req.worker_id = pick(rng_, w_.workers);
        if (o == op::accept) {
          auto h = some_hit(true);
          if (!h)
            return false;
          req.hit_id = h->hit_id;
          requester = h->requester_id;
        } else {
          requester = pick(rng_, w_.requesters);
          req.hit_type_id = pick(rng_, w_.types.at(requester));
        }
        if (chance(rng_, 0.4)) {
          req.idempotency_key = key('A');
          log_line(words("acc?", req.worker_id, req.hit_id.empty() ? req.hit_type_id : req.hit_id, req.idempotency_key));
        }
        e.accept(req, answer<assignment_view>([this, req, requester](const result<assignment_view>& a) {
          accepted(req, requester, a);
        }));
        return true;
      }
      case op::submit: {
        auto a = take_from(w_.accepted);
        if (!a)
          return false;
        log_line(words("sub?", a->assignment_id));
        submit_request req{a->worker_id, a->assignment_id, "<QuestionFormAnswers/>", chance(rng_, 0.5) ? key('S') : ""};
        e.submit(std::move(req), answer<done>([this, a = *a](const status& s) {
          if (!s.ok())
            return;
          log_line(words("sub", a.assignment_id));
          remember(w_.submitted, a);
          remember(w_.bonusable, a);
        }));
        return true;
      }
      case op::return_assignment: {
        auto a = take_from(w_.accepted);
        if (!a)
          return false;
        log_line(words("ret?", a->assignment_id));
        e.return_assignment(a->worker_id, a->assignment_id, ack<done>(words("ret", a->assignment_id)));
        return true;
      }
      case op::approve:
      case op::reject: {
        std::optional<assignment_ref> a;
        {
          std::lock_guard<std::mutex> g{w_.m};
          auto& from = !w_.accepted.empty() && (w_.submitted.empty() || chance(rng_, 0.05)) ? w_.accepted : w_.submitted;
          if (!from.empty())
            a = take(rng_, from);
        }
        if (!a)
          return false;
        if (o == op::approve) {
          log_line(words("apr?", a->assignment_id));
          e.approve_assignment({a->requester_id, a->assignment_id, "thanks", false},
                               ack<done>(words("apr", a->assignment_id)));
        } else {
          log_line(words("rej?", a->assignment_id));
          e.reject_assignment(a->requester_id, a->assignment_id, "wrong", answer<done>([this, a = *a](const status& s) {
            if (!s.ok())
              return;
            log_line(words("rej", a.assignment_id));
            remember(w_.rejected, a);
          }));
        }
        return true;
      }
      case op::approve_override: {
        auto a = take_from(w_.rejected);
        if (!a)
          return false;
        log_line(words("ovr?", a->assignment_id));
        e.approve_assignment({a->requester_id, a->assignment_id, "on second thought", true},
                             ack<done>(words("ovr", a->assignment_id)));
        return true;
      }
      case op::bonus: {
        assignment_ref a;
        {
          std::lock_guard<std::mutex> g{w_.m};
          if (w_.bonusable.empty())
            return false;
          a = pick(rng_, w_.bonusable);
        }
        auto amount = uniform<int64_t>(rng_, 1, 300);
        auto token = key('B');
        log_line(words("bon?", a.assignment_id, a.worker_id, a.requester_id, num(amount), token));
        e.send_bonus({a.requester_id, a.worker_id, a.assignment_id, cents(amount), "good work", token},
                     ack<done>(words("bon", a.assignment_id, num(amount), token), token));
        return true;
      }
      case op::extend:
      case op::expire_now: {
        auto h = some_hit(false);
        if (!h)
          return false;
        timestamp at = o == op::extend ? now + seconds(uniform<int64_t>(rng_, 60, 900)) : now - seconds(uniform<int64_t>(rng_, 0, 1));
        if (o == op::extend)
          log_line(words("ext?", h->hit_id));
        e.update_expiration(h->requester_id, h->hit_id, at,
                            ack<done>(words(o == op::extend ? "ext" : "exp", h->hit_id)));
        return true;
      }
      case op::add_assignments: {
        auto h = some_hit(true);
        if (!h)
          return false;
        auto n = uniform<int64_t>(rng_, 1, 3);
        auto token = key('X');
        log_line(words("add?", h->hit_id, num(n), token));
        e.create_additional_assignments(h->requester_id, h->hit_id, n, token,
                                        ack<done>(words("add", h->hit_id, num(n), token)));
        return true;
      }
      case op::delete_hit: {
        auto h = some_hit(false);
        if (!h)
          return false;
        e.delete_hit(h->requester_id, h->hit_id, ack<done>(words("del", h->hit_id)));
        return true;
      }
      case op::deposit: {
        const auto& r = pick(rng_, w_.requesters);
        auto amount = uniform<int64_t>(rng_, 2'000, 20'000);
        auto token = key('D');
        log_line(words("dep?", r, num(amount), token));
        e.deposit(r, cents(amount), token, ack<account_balance>(words("dep", r, num(amount), token), token));
        return true;
      }
      case op::withdraw: {
        const auto& wk = pick(rng_, w_.workers);
        auto amount = chance(rng_, 0.1) ? uniform<int64_t>(rng_, 1, 99) : uniform<int64_t>(rng_, 100, 400);
        auto k = key('W');
        log_line(words("wd?", wk, num(amount), k));
        e.withdraw(wk, cents(amount), k, ack<money>(words("wd", wk, num(amount), k), k));
        return true;
      }
      case op::block: {
        const auto& r = pick(rng_, w_.requesters);
        const auto& wk = pick(rng_, w_.workers);
        auto pair = r + "/" + wk;
        if (!claim(pair))
          return false;
        bool on = chance(rng_, 0.5);
        auto line = words("blk", r, wk, on ? "1" : "0");
        log_line(words("blk?", r, wk, on ? "1" : "0"));
        auto cb = answer<done>([this, pair, line](const status& s) {
          if (s.ok())
            log_line(line);
          release_pair(pair);
        });
        if (on)
          e.create_worker_block(r, wk, "careless work", std::move(cb));
        else
          e.delete_worker_block(r, wk, "second chance", std::move(cb));
        return true;
      }
      case op::grant: {
        const auto& r = pick(rng_, w_.requesters);
        const auto& wk = pick(rng_, w_.workers);
        const auto& q = w_.qtypes.at(r);
        auto pair = q + "/" + wk;
        if (!claim(pair))
          return false;
        int value = chance(rng_, 0.2) ? -1 : uniform<int>(rng_, 0, 100);
        auto line = words("grt", r, q, wk, num(value));
        log_line(words("grt?", r, q, wk, num(value)));
        auto cb = answer<done>([this, pair, line](const status& s) {
          if (s.ok())
            log_line(line);
          release_pair(pair);
        });
        if (value >= 0)
          e.associate_qualification_with_worker(r, q, wk, value, false, std::move(cb));
        else
          e.disassociate_qualification_from_worker(r, q, wk, "no longer", std::move(cb));
        return true;
      }
      case op::read: {
        switch (uniform<int>(rng_, 0, 2)) {
          case 0:
            e.dashboard(pick(rng_, w_.workers), ignore<worker_dashboard>());
            return true;
          case 1:
            e.get_account_balance(pick(rng_, w_.requesters), ignore<account_balance>());
            return true;
          default: {
            auto h = some_hit(true);
            if (!h)
              return false;
            e.get_hit(h->requester_id, h->hit_id, ignore<hit_view>());
            return true;
          }
        }
      }
      case op::count_:
        break;
    }
    return false;
  }

  void accepted(const accept_request& req, const std::string& requester, const result<assignment_view>& a) {
    if (!a.ok()) {
      if (!req.idempotency_key.empty())
        log_line(words("no", req.idempotency_key));
      return;
    }
    log_line(words("acc", a->assignment_id, req.worker_id, a->hit_id, requester, or_dash(req.idempotency_key)));
    remember(w_.accepted, {a->assignment_id, req.worker_id, a->hit_id, requester});
  }

  world& w_;
  int index_;
  std::mt19937_64 rng_;
  uint64_t counter_ = 0;
  std::counting_semaphore<in_flight_max> slots_{in_flight_max};
};

// ---- setup and retries -------------------------------------------------------------------------

// Waits for n callbacks (bounded: the test kills us long before).
struct countdown {
  explicit countdown(std::ptrdiff_t n) : l(n) {}
  std::latch l;
  void done() { l.count_down(); }
};

bool setup(world& w, const model& before) {
  auto& e = *w.eng;
  for (int i = 0; i < requester_count; ++i)
    w.requesters.push_back(requester_id(i));
  for (int i = 0; i < worker_count; ++i)
    w.workers.push_back(worker_id(i));

  std::atomic<bool> ok{true};
  auto bad = [&](const std::string& what, const error& err) {
    std::cerr << "hitd_crash_worker: setup: " << what << ": " << errc_name(err.code) << " " << err.message << std::endl;
    ok = false;
  };
  {
    countdown c(requester_count + worker_count);
    for (const auto& r : w.requesters)
      e.create_requester({"Crash requester " + r, r}, [&, r](result<std::string> v) {
        if (v.ok() || v.code() == errc::requester_already_exists)
          log_line(words("requester", r));
        else
          bad("create_requester " + r, v.err());
        c.done();
      });
    for (int i = 0; i < worker_count; ++i) {
      worker_spec spec{worker_id(i), worker_locale(i), worker_registered(i)};
      e.create_worker(spec, [&, id = spec.worker_id](result<std::string> v) {
        if (v.ok() || v.code() == errc::worker_already_exists)
          log_line(words("worker", id));
        else
          bad("create_worker " + id, v.err());
        c.done();
      });
    }
    c.l.wait();
  }
  if (!ok)
    return false;
  // Deposits (a token per requester) and the
  // qualification types.
  {
    std::mutex m;
    countdown c(2 * requester_count);
    for (const auto& r : w.requesters) {
      auto token = "init-" + r;
      // Sent again until acknowledged, as a client would (its token makes
      // a repeat of one that was made have no second effect).
      if (auto d = before.deposits.find(token); d != before.deposits.end() && d->second.acked) {
        c.done();
      } else {
        log_line(words("dep?", r, num(initial_deposit_cents), token));
      e.deposit(r, cents(initial_deposit_cents), token, [&, r, token](result<account_balance> v) {
        if (v.ok())
          log_line(words("dep", r, num(initial_deposit_cents), token));
        else
          bad("deposit " + r, v.err());
        c.done();
      });
      }
      qualification_type_spec q;
      q.name = qualification_name(r);
      q.description = "Granted by the crash test";
      q.keywords = "crash";
      e.create_qualification_type(r, q, [&, r, q](result<qualification_type_view> v) {
        std::string id;
        if (v.ok()) {
          id = v->qualification_type_id;
        } else if (v.code() == errc::qualification_type_already_exists) {
          // Made by an earlier run: find it by name (never from a callback
          // with a blocking call: on a thread of our own).
          std::thread([&, r, q] {
            auto l = e.list_qualification_types(r, q.name, false, true, {});
            std::string found;
            if (l.ok())
              for (const auto& t : l->items)
                if (t.spec.name == q.name)
                  found = t.qualification_type_id;
            if (found.empty()) {
              bad("find qualification type of " + r, l.ok() ? error{errc::qualification_type_does_not_exist, "not listed"} : l.err());
            } else {
              log_line(words("qtype", r, found));
              std::lock_guard<std::mutex> g{m};
              w.qtypes[r] = found;
            }
            c.done();
          }).detach();
          return;
        } else {
          bad("create_qualification_type " + r, v.err());
        }
        if (!id.empty()) {
          log_line(words("qtype", r, id));
          std::lock_guard<std::mutex> g{m};
          w.qtypes[r] = id;
        }
        c.done();
      });
    }
    c.l.wait();
  }
  if (!ok)
    return false;
  {
    std::mutex m;
    countdown c(requester_count * type_kinds);
    for (const auto& r : w.requesters) {
      w.types[r].resize(type_kinds);
      for (int k = 0; k < type_kinds; ++k)
        e.create_hit_type(r, type_props(k, w.qtypes.at(r)), [&, r, k](result<std::string> v) {
          if (v.ok()) {
            log_line(words("type", r, num(k), *v));
            std::lock_guard<std::mutex> g{m};
            w.types[r][static_cast<size_t>(k)] = *v;
          } else {
            bad("create_hit_type " + r, v.err());
          }
          c.done();
        });
    }
    c.l.wait();
  }
  if (!ok)
    return false;

  // What earlier runs left to work on: their latest HITs and assignments
  // (ids sort by HIT number; older ones have mostly expired or been
  // abandoned meanwhile).
  constexpr size_t carried_max = 256;
  std::lock_guard<std::mutex> g{w.m};
  for (auto it = before.hits.rbegin(); it != before.hits.rend() && w.hits.size() < carried_max; ++it)
    if (!it->second.requester.empty() && !it->second.deleted)
      w.hits.push_back({it->first, it->second.requester});
  std::reverse(w.hits.begin(), w.hits.end());
  for (auto it = before.assignments.rbegin(); it != before.assignments.rend(); ++it) {
    const auto& [id, a] = *it;
    if (a.worker.empty())
      continue;
    assignment_ref ref{id, a.worker, a.hit, a.requester};
    auto carry = [&](std::vector<assignment_ref>& v) {
      if (v.size() < carried_max)
        v.push_back(ref);
    };
    if (!a.submit_tried && !a.return_tried)
      carry(w.accepted);
    if (a.submitted) {
      carry(w.bonusable);
      if (!a.approve_tried && !a.reject_tried)
        carry(w.submitted);
    }
    if (a.rejected && !a.override_tried)
      carry(w.rejected);
  }
  return true;
}

// The commands of earlier runs that the kill left unanswered, sent again
// with their tokens and keys: a repeat must have no second effect.
void retry_lost(world& w, const model& before) {
  auto& e = *w.eng;
  int n = 0;
  std::mt19937_64 g{w.seed ^ uint64_t(w.run)};
  std::vector<std::function<void(std::function<void()>)>> sends;
  for (const auto& [token, d] : before.deposits)
    if (!d.acked && !before.refused.count(token) && token.rfind("init-", 0) != 0)
      sends.push_back([&e, token, d](std::function<void()> done) {
        log_line(words("dep?", d.owner, num(d.amount), token));
        e.deposit(d.owner, cents(d.amount), token, [token, d, done](result<account_balance> v) {
          log_line(v.ok() ? words("dep", d.owner, num(d.amount), token) : words("no", token));
          done();
        });
      });
  for (const auto& [k, d] : before.withdrawals)
    if (!d.acked && !before.refused.count(k))
      sends.push_back([&e, k, d](std::function<void()> done) {
        log_line(words("wd?", d.owner, num(d.amount), k));
        e.withdraw(d.owner, cents(d.amount), k, [k, d, done](result<money> v) {
          log_line(v.ok() ? words("wd", d.owner, num(d.amount), k) : words("no", k));
          done();
        });
      });
  for (const auto& [token, b] : before.bonuses)
    if (!b.acked && !b.assignment.empty() && !before.refused.count(token))
      sends.push_back([&e, token, b](std::function<void()> done) {
        log_line(words("bon?", b.assignment, b.worker, b.requester, num(b.amount), token));
        e.send_bonus({b.requester, b.worker, b.assignment, cents(b.amount), "good work", token},
                     [token, b, done](status s) {
                       log_line(s.ok() ? words("bon", b.assignment, num(b.amount), token) : words("no", token));
                       done();
                     });
      });
  for (const auto& [token, r] : before.create_tries)
    if (!before.create_tokens.count(token) && !before.refused.count(token))
      sends.push_back([&w, &e, &g, token, r](std::function<void()> done) {
        log_line(words("hit?", r, token));
        e.create_hit(create_request(w, g, r, token), [&w, token, r, done](result<hit_view> v) {
          if (v.ok()) {
            log_line(words("hit", v->hit_id, r, num(v->max_assignments), token));
            std::lock_guard<std::mutex> lk{w.m};
            w.hits.push_back({v->hit_id, r});
          } else {
            log_line(words("no", token));
          }
          done();
        });
      });
  for (const auto& [k, a] : before.accept_tries)
    if (!before.accept_keys.count(k) && !before.refused.count(k))
      sends.push_back([&w, &e, k, a](std::function<void()> done) {
        accept_request req{a.worker, a.target[0] == 'T' ? "" : a.target, a.target[0] == 'T' ? a.target : "", k};
        log_line(words("acc?", a.worker, a.target, k));
        e.accept(req, [&w, req, done](result<assignment_view> v) {
          if (v.ok()) {
            std::string requester;
            for (const auto& [r, ts] : w.types)
              for (const auto& t : ts)
                if (t == req.hit_type_id)
                  requester = r;
            std::lock_guard<std::mutex> lk{w.m};
            if (requester.empty())
              for (const auto& h : w.hits)
                if (h.hit_id == v->hit_id)
                  requester = h.requester_id;
            if (!requester.empty()) {
              log_line(words("acc", v->assignment_id, req.worker_id, v->hit_id, requester, req.idempotency_key));
              keep(w.rng_cb, w.accepted, {v->assignment_id, req.worker_id, v->hit_id, requester});
            }
          } else {
            log_line(words("no", req.idempotency_key));
          }
          done();
        });
      });
  if (sends.empty())
    return;
  countdown c(static_cast<std::ptrdiff_t>(sends.size()));
  for (auto& s : sends) {
    s([&c] { c.done(); });
    ++n;
  }
  c.l.wait();
  std::cerr << "hitd_crash_worker: run " << w.run << ": retried " << n << " lost commands" << std::endl;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: hitd_crash_worker DIR SEED RUN START_MS LOG\n";
    return 2;
  }
  world w;
  const std::string dir = argv[1];
  w.seed = std::strtoull(argv[2], nullptr, 10);
  w.run = std::atoi(argv[3]);
  const timestamp start = std::strtoll(argv[4], nullptr, 10);
  const std::string log_path = argv[5];
  w.deadline = steady::now() + max_runtime;

  log_fd = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    std::perror("hitd_crash_worker: open the ack log");
    return 2;
  }
  const model before = read_log(log_path);

  hitd::storage::store_options so;
  so.path = dir;
  so.mode = hitd::storage::durability::sync;
  auto store = hitd::storage::rocksdb_store::open(so);
  if (!store.ok()) {
    std::cerr << "hitd_crash_worker: open the store: " << store.err().message << std::endl;
    return 2;
  }
  engine_config config;
  config.timer_tick_ms = 10;   // 10 simulated seconds
  config.scheduler_threads = 2;
  try {
    w.eng = std::make_unique<engine>(engine::options{config, std::make_shared<fast_clock>(start), *store});
  } catch (const std::exception& ex) {
    std::cerr << "hitd_crash_worker: start the engine: " << ex.what() << std::endl;
    return 2;
  }
  log_line(words("run", num(w.run), num(start)));

  // Deadline events, as published.
  w.eng->subscribe([](const event& ev) {
    switch (ev.type) {
      case event_type::assignment_abandoned: log_line(words("ev ab", ev.assignment_id())); break;
      case event_type::assignment_approved: log_line(words("ev ap", ev.assignment_id())); break;
      case event_type::assignment_returned: log_line(words("ev rt", ev.assignment_id())); break;
      case event_type::hit_expired: log_line(words("ev ex", ev.hit_id())); break;
      default: break;
    }
  });

  if (!setup(w, before)) {
    std::cerr << "hitd_crash_worker: run " << w.run << ": setup failed" << std::endl;
    std::_Exit(2);
  }
  retry_lost(w, before);

  std::vector<std::unique_ptr<client>> clients;
  std::vector<std::thread> threads;
  for (int t = 0; t < client_threads; ++t)
    clients.push_back(std::make_unique<client>(w, t));
  for (auto& c : clients)
    threads.emplace_back([&c] { c->run(); });
  for (auto& t : threads)
    t.join();
  // Not killed within the bound: say so (the test expects to kill us).
  std::cerr << "hitd_crash_worker: run " << w.run << " reached its bound (" << w.issued.load()
            << " commands) without being killed" << std::endl;
  std::_Exit(3);
}
