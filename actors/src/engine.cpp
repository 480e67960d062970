// The engine facade: turns each public command into a message to the actor
// that owns the thing named, and each blocking overload into a wait on the
// asynchronous one.

#include "hitd/engine.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <future>
#include <stdexcept>
#include <thread>

#include <caf/all.hpp>

#include "hitd/ids.hpp"
#include "hitd/limits.hpp"
#include "hitd/records.hpp"
#include "messages.hpp"
#include "runtime.hpp"

namespace hitd {

using namespace detail;

namespace {

template <class T, class F>
result<T> wait_for(F&& start) {
  auto p = std::make_shared<std::promise<result<T>>>();
  auto f = p->get_future();
  start([p](result<T> r) { p->set_value(std::move(r)); });
  return f.get();
}

caf::actor_system_config make_caf_config(const engine_config& cfg) {
  caf::actor_system_config c;
  auto threads = cfg.scheduler_threads ? cfg.scheduler_threads : std::max(2u, std::thread::hardware_concurrency());
  c.set("scheduler.max-threads", threads);
  c.set("scheduler.max-throughput", 300);
  c.set("scheduler.policy", caf::atom_from_string(cfg.scheduler_policy));
  c.set("work-stealing.moderate-poll-attempts", cfg.scheduler_idle_polls);
  return c;
}

template <class T>
void fail(callback<T>& cb, errc code, std::string message) {
  cb(error{code, std::move(message)});
}

} // namespace

struct engine::impl {
  explicit impl(options o)
    : caf_cfg(make_caf_config(o.config)),
      sys(caf_cfg),
      rt(sys, o.config, o.clock ? o.clock : std::make_shared<system_clock>(), o.store) {
    rt.ledger = spawn_ledger(rt);
    if (auto s = rt.recover(); !s.ok()) {
      caf::anon_send_exit(rt.ledger, caf::exit_reason::user_shutdown);
      rt.ledger = caf::actor{};
      throw std::runtime_error("hitd: the store cannot be read: " + s.err().message);
    }
    if (!rt.clk->is_manual())
      rt.timers.start_thread();
  }

  ~impl() {
    rt.timers.stop();
    drain(std::chrono::seconds(30));
    rt.stop_rebuilds();
    // Close the directory (no actor is created from now on), stop every
    // actor in it, and wait: every actor holds a pointer to `rt`, which is
    // destroyed before `sys`.
    auto stop = [](auto& map) {
      for (auto& a : map.close())
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    };
    stop(rt.hits);
    stop(rt.hit_types);
    stop(rt.workers);
    stop(rt.requesters);
    caf::anon_send_exit(rt.ledger, caf::exit_reason::user_shutdown);
    rt.ledger = caf::actor{};
    sys.await_all_actors_done();
  }

  void drain(std::chrono::milliseconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while ((rt.notes_in_flight.load(std::memory_order_acquire) > 0 || rt.rebuilding()) &&
           std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }

  // A command that comes while the engine rebuilds after a failed write
  // waits for it this long, then fails with storage_failure.
  static constexpr std::chrono::milliseconds rebuild_wait{5'000};

  // An actor found (or activated), or the callback answered: `code` when
  // there is none, storage_failure when its records cannot be read.
  template <class T>
  caf::actor found_or_fail(result<caf::actor> r, callback<T>& cb, errc code, std::string message) {
    if (!r.ok()) {
      if (rt.rebuilding()) {
        fail(cb, errc::storage_failure, r.err().message);
        return {};
      }
      rt.report_storage_error(r.err().message);
      fail(cb, errc::storage_failure, r.err().message);
      return {};
    }
    if (!*r)
      fail(cb, code, std::move(message));
    return *r;
  }

  // Finds the HIT actor for an id; nullptr (and the callback answered) if none.
  template <class T>
  caf::actor hit_or_fail(const std::string& hit_id, callback<T>& cb) {
    rt.await_rebuilt(rebuild_wait);
    auto n = parse_id(id_kind::hit, hit_id);
    return found_or_fail(n ? rt.hit(*n) : result<caf::actor>{caf::actor{}}, cb, errc::hit_does_not_exist, "no HIT " + hit_id);
  }
  template <class T>
  std::pair<caf::actor, uint32_t> assignment_or_fail(const std::string& assignment_id, callback<T>& cb) {
    rt.await_rebuilt(rebuild_wait);
    auto ref = parse_assignment_id(assignment_id);
    auto a = found_or_fail(ref ? rt.hit(ref->hit) : result<caf::actor>{caf::actor{}}, cb, errc::assignment_does_not_exist,
                           "no assignment " + assignment_id);
    return {a, ref ? ref->ordinal : 0};
  }
  template <class T>
  caf::actor requester_or_fail(const std::string& id, callback<T>& cb) {
    rt.await_rebuilt(rebuild_wait);
    return found_or_fail(rt.requester(id), cb, errc::requester_does_not_exist, "no requester " + id);
  }
  template <class T>
  caf::actor worker_or_fail(const std::string& id, callback<T>& cb) {
    rt.await_rebuilt(rebuild_wait);
    return found_or_fail(rt.worker(id), cb, errc::worker_does_not_exist, "no worker " + id);
  }
  // A command on a HIT names its requester; the HIT checks ownership. An
  // empty or unknown id is refused here (empty means "internal" inside).
  template <class T>
  bool known_requester(const std::string& id, callback<T>& cb) {
    if (id.empty()) {
      fail(cb, errc::requester_does_not_exist, "no requester " + id);
      return false;
    }
    rt.await_rebuilt(rebuild_wait);
    return bool(found_or_fail(rt.requester(id), cb, errc::requester_does_not_exist, "no requester " + id));
  }
  template <class T>
  bool page_ok(const page_request& p, callback<T>& cb) {
    if (valid_page(p))
      return true;
    fail(cb, errc::invalid_parameter_value, "MaxResults must be 1 to 100 and NextToken one this listing returned");
    return false;
  }

  caf::actor_system_config caf_cfg;
  caf::actor_system sys;
  runtime rt;
};

engine::engine() : engine(options{}) {}
engine::engine(options opts) : impl_(std::make_unique<impl>(std::move(opts))) {}
engine::~engine() = default;

const engine_config& engine::config() const { return impl_->rt.cfg; }
timestamp engine::now() const { return impl_->rt.now(); }
uint64_t engine::hit_count() const { return impl_->rt.next_hit.peek(); }

engine_stats engine::stats() const {
  auto& rt = impl_->rt;
  return {rt.hits.size(), rt.hits.parked(), rt.workers.size(), rt.workers.parked(), rt.requesters.size(), rt.rebuilds.load(),
          rt.storage_errors.load()};
}

size_t engine::passivate_idle(duration_ms idle_for) { return impl_->rt.passivate_idle(idle_for); }

// ---- operator ----------------------------------------------------------------------------

void engine::create_requester(requester_spec spec, callback<std::string> cb) {
  auto& rt = impl_->rt;
  std::string id = spec.requester_id.empty() ? format_requester_id(rt.next_requester.next()) : spec.requester_id;
  if (!is_customer_id(id))
    return fail(cb, errc::invalid_parameter_value, "a requester id must match ^A[A-Z0-9]+$ and be at most 64 characters");
  // One with records but not in memory exists too.
  rt.await_rebuilt(impl::rebuild_wait);
  if (auto stored = rt.requester(id); !stored.ok() || *stored) {
    if (!stored.ok())
      return fail(cb, errc::storage_failure, stored.err().message);
    return fail(cb, errc::requester_already_exists, "requester " + id + " exists");
  }
  bool created = false;
  auto a = rt.requesters.find_or_create(id, [&] {
    created = true;
    return spawn_requester(rt, id, spec.name, rt.now());
  });
  if (!a)
    return fail(cb, errc::shutting_down, "the engine is stopping");
  if (!created)
    return fail(cb, errc::requester_already_exists, "requester " + id + " exists");
  post(a, requester::msg{requester::init{std::move(cb)}});
}

void engine::create_worker(worker_spec spec, callback<std::string> cb) {
  auto& rt = impl_->rt;
  std::string id = spec.worker_id.empty() ? format_worker_id(rt.next_worker.next()) : spec.worker_id;
  if (!is_customer_id(id))
    return fail(cb, errc::invalid_parameter_value, "a worker id must match ^A[A-Z0-9]+$ and be at most 64 characters");
  rt.await_rebuilt(impl::rebuild_wait);
  if (auto stored = rt.worker(id); !stored.ok() || *stored) {
    if (!stored.ok())
      return fail(cb, errc::storage_failure, stored.err().message);
    return fail(cb, errc::worker_already_exists, "worker " + id + " exists");
  }
  if (!spec.home.country.empty() && spec.home.country.size() != 2)
    return fail(cb, errc::invalid_parameter_value, "a locale's country is two letters (ISO 3166)");
  bool created = false;
  auto a = rt.workers.find_or_create(id, [&] {
    created = true;
    worker_state w;
    w.id = id;
    w.created = spec.registered.value_or(rt.now());
    w.home = spec.home;
    w.blocked_by = rt.blocks.of(id);
    return spawn_worker(rt, std::move(w));
  }, [&](parked_worker&& p) { return unpark_worker(rt, std::move(p)); });   // parked: it exists
  if (!a)
    return fail(cb, errc::shutting_down, "the engine is stopping");
  if (!created)
    return fail(cb, errc::worker_already_exists, "worker " + id + " exists");
  post(a, worker::msg{worker::init{std::move(cb)}});
}

void engine::deposit(std::string requester_id, money amount, std::string token, callback<account_balance> cb) {
  if (auto a = impl_->requester_or_fail(requester_id, cb))
    post(a, requester::msg{requester::deposit{amount, std::move(token), std::move(cb)}});
}

// ---- requester ----------------------------------------------------------------------------

void engine::get_account_balance(std::string requester_id, callback<account_balance> cb) {
  if (impl_->requester_or_fail(requester_id, cb))
    post(impl_->rt.ledger, ledger::msg{ledger::balance{std::move(requester_id), std::move(cb)}});
}

void engine::create_hit_type(std::string requester_id, hit_properties props, callback<std::string> cb) {
  if (auto a = impl_->requester_or_fail(requester_id, cb))
    post(a, requester::msg{requester::create_type{std::move(props), std::move(cb)}});
}

void engine::create_hit(create_hit_request req, callback<hit_view> cb) {
  if (auto a = impl_->requester_or_fail(req.requester_id, cb))
    post(a, requester::msg{requester::create_hit{std::move(req), std::move(cb)}});
}

void engine::get_hit(std::string requester_id, std::string hit_id, callback<hit_view> cb) {
  if (!impl_->known_requester(requester_id, cb))
    return;
  if (auto a = impl_->hit_or_fail(hit_id, cb))
    post(a, hit::msg{hit::get{std::move(requester_id), std::move(cb)}});
}

void engine::list_hits(std::string requester_id, page_request page, callback<hitd::page<hit_view>> cb) {
  if (!impl_->page_ok(page, cb))
    return;
  if (auto a = impl_->requester_or_fail(requester_id, cb))
    post(a, requester::msg{requester::list_hits{std::move(page), false, false, {}, std::move(cb)}});
}

void engine::list_reviewable_hits(std::string requester_id, std::string hit_type_id, bool reviewing,
                                  page_request page, callback<hitd::page<hit_view>> cb) {
  if (!impl_->page_ok(page, cb))
    return;
  if (auto a = impl_->requester_or_fail(requester_id, cb))
    post(a, requester::msg{requester::list_hits{std::move(page), true, reviewing, std::move(hit_type_id), std::move(cb)}});
}

void engine::update_expiration(std::string requester_id, std::string hit_id, timestamp expire_at, callback<done> cb) {
  if (!impl_->known_requester(requester_id, cb))
    return;
  if (auto a = impl_->hit_or_fail(hit_id, cb))
    post(a, hit::msg{hit::update_expiration{std::move(requester_id), expire_at, std::move(cb)}});
}

void engine::update_hit_review_status(std::string requester_id, std::string hit_id, bool revert, callback<done> cb) {
  if (!impl_->known_requester(requester_id, cb))
    return;
  if (auto a = impl_->hit_or_fail(hit_id, cb))
    post(a, hit::msg{hit::review_status{std::move(requester_id), revert, std::move(cb)}});
}

void engine::update_hit_type_of_hit(std::string requester_id, std::string hit_id, std::string hit_type_id, callback<done> cb) {
  auto n = parse_id(id_kind::hit, hit_id);
  if (!n || !impl_->rt.hit_or_none(*n))
    return fail(cb, errc::hit_does_not_exist, "no HIT " + hit_id);
  if (auto a = impl_->requester_or_fail(requester_id, cb))
    post(a, requester::msg{requester::retype{*n, std::move(hit_type_id), std::move(cb)}});
}

void engine::create_additional_assignments(std::string requester_id, std::string hit_id, int64_t n,
                                           std::string token, callback<done> cb) {
  if (!impl_->known_requester(requester_id, cb))
    return;
  if (token.size() > limits::request_token_chars_max)
    return fail(cb, errc::invalid_parameter_value, "UniqueRequestToken is longer than 64 characters");
  if (auto a = impl_->hit_or_fail(hit_id, cb))
    post(a, hit::msg{hit::add_assignments{std::move(requester_id), n, std::move(token), std::move(cb)}});
}

void engine::delete_hit(std::string requester_id, std::string hit_id, callback<done> cb) {
  if (!impl_->known_requester(requester_id, cb))
    return;
  if (auto a = impl_->hit_or_fail(hit_id, cb))
    post(a, hit::msg{hit::dispose{std::move(requester_id), std::move(cb)}});
}

void engine::get_assignment(std::string requester_id, std::string assignment_id, callback<assignment_with_hit> cb) {
  if (!impl_->known_requester(requester_id, cb))
    return;
  auto [a, ordinal] = impl_->assignment_or_fail(assignment_id, cb);
  if (a)
    post(a, hit::msg{hit::get_assignment{std::move(requester_id), ordinal, std::move(cb)}});
}

void engine::list_assignments_for_hit(std::string requester_id, std::string hit_id,
                                      std::vector<assignment_status> statuses, page_request page,
                                      callback<hitd::page<assignment_view>> cb) {
  if (!impl_->known_requester(requester_id, cb))
    return;
  if (!impl_->page_ok(page, cb))
    return;
  for (auto s : statuses)
    if (s != assignment_status::submitted && s != assignment_status::approved && s != assignment_status::rejected)
      return fail(cb, errc::invalid_parameter_value, "AssignmentStatuses may name only Submitted, Approved and Rejected");
  if (auto a = impl_->hit_or_fail(hit_id, cb))
    post(a, hit::msg{hit::list_assignments{std::move(requester_id), std::move(statuses), std::move(page), std::move(cb)}});
}

void engine::approve_assignment(approve_request req, callback<done> cb) {
  if (!impl_->known_requester(req.requester_id, cb))
    return;
  if (req.feedback.size() > limits::feedback_chars_max)
    return fail(cb, errc::invalid_parameter_value, "RequesterFeedback is too long");
  auto [a, ordinal] = impl_->assignment_or_fail(req.assignment_id, cb);
  if (a)
    post(a, hit::msg{hit::approve{std::move(req.requester_id), ordinal, std::move(req.feedback),
                                            req.override_rejection, std::move(cb)}});
}

void engine::reject_assignment(std::string requester_id, std::string assignment_id, std::string feedback, callback<done> cb) {
  if (!impl_->known_requester(requester_id, cb))
    return;
  if (feedback.size() > limits::feedback_chars_max)
    return fail(cb, errc::invalid_parameter_value, "RequesterFeedback is too long");
  auto [a, ordinal] = impl_->assignment_or_fail(assignment_id, cb);
  if (a)
    post(a, hit::msg{hit::reject{std::move(requester_id), ordinal, std::move(feedback), std::move(cb)}});
}

void engine::send_bonus(bonus_request req, callback<done> cb) {
  if (!impl_->known_requester(req.requester_id, cb))
    return;
  if (req.amount.cents <= 0 || req.amount.cents > amount_cents_max)
    return fail(cb, errc::invalid_parameter_value, "BonusAmount must be positive");
  if (req.reason.empty())
    return fail(cb, errc::missing_parameter, "Reason is required for a bonus");
  if (req.reason.size() > limits::reason_chars_max)
    return fail(cb, errc::invalid_parameter_value, "Reason is too long");
  if (req.unique_request_token.size() > limits::request_token_chars_max)
    return fail(cb, errc::invalid_parameter_value, "UniqueRequestToken is longer than 64 characters");
  if (!impl_->rt.worker_or_none(req.worker_id))
    return fail(cb, errc::worker_does_not_exist, "no worker " + req.worker_id);
  auto [a, ordinal] = impl_->assignment_or_fail(req.assignment_id, cb);
  if (a)
    post(a, hit::msg{hit::bonus{std::move(req), ordinal, std::move(cb)}});
}

void engine::list_bonus_payments(std::string requester_id, std::string hit_id, std::string assignment_id,
                                 page_request page, callback<hitd::page<bonus_payment>> cb) {
  if (!impl_->known_requester(requester_id, cb))
    return;
  if (!impl_->page_ok(page, cb))
    return;
  if (hit_id.empty() == assignment_id.empty())
    return fail(cb, errc::invalid_parameter_value, "give either HITId or AssignmentId");
  if (!hit_id.empty()) {
    if (auto a = impl_->hit_or_fail(hit_id, cb))
      post(a, hit::msg{hit::list_bonuses{std::move(requester_id), false, 0, std::move(page), std::move(cb)}});
    return;
  }
  auto [a, ordinal] = impl_->assignment_or_fail(assignment_id, cb);
  if (a)
    post(a, hit::msg{hit::list_bonuses{std::move(requester_id), true, ordinal, std::move(page), std::move(cb)}});
}

void engine::create_worker_block(std::string requester_id, std::string worker_id, std::string reason, callback<done> cb) {
  if (!is_customer_id(worker_id))
    return fail(cb, errc::invalid_parameter_value, "WorkerId is invalid");
  if (auto a = impl_->requester_or_fail(requester_id, cb))
    post(a, requester::msg{requester::block{std::move(worker_id), std::move(reason), true, std::move(cb)}});
}

void engine::delete_worker_block(std::string requester_id, std::string worker_id, std::string reason, callback<done> cb) {
  if (!is_customer_id(worker_id))
    return fail(cb, errc::invalid_parameter_value, "WorkerId is invalid");
  if (auto a = impl_->requester_or_fail(requester_id, cb))
    post(a, requester::msg{requester::block{std::move(worker_id), std::move(reason), false, std::move(cb)}});
}

void engine::list_worker_blocks(std::string requester_id, page_request page, callback<hitd::page<worker_block>> cb) {
  if (!impl_->page_ok(page, cb))
    return;
  if (auto a = impl_->requester_or_fail(requester_id, cb))
    post(a, requester::msg{requester::list_blocks{std::move(page), std::move(cb)}});
}

// ---- qualification types ---------------------------------------------------------------------

namespace {
// The requester actor that owns a qualification type, with the type's number.
struct qual_owner {
  caf::actor actor;
  uint64_t number = 0;
};
}

#define HITD_QUAL_OWNER(cb, requester_id, type_id, owner_only)                                              \
  qual_owner q;                                                                                              \
  {                                                                                                          \
    auto n = parse_id(id_kind::qualification_type, type_id);                                                 \
    auto v = n ? impl_->rt.qualification_types.get(*n) : std::nullopt;                                      \
    if (!v)                                                                                                  \
      return fail(cb, errc::qualification_type_does_not_exist, "no qualification type " + type_id);         \
    if (owner_only && v->requester_id != requester_id)                                                       \
      return fail(cb, errc::permission_denied, "the qualification type belongs to another requester");       \
    q = {impl_->rt.requester_or_none(v->requester_id), *n};                                                    \
    if (!q.actor)                                                                                            \
      return fail(cb, errc::requester_does_not_exist, "the type's requester is gone");                       \
  }

void engine::create_qualification_type(std::string requester_id, qualification_type_spec spec,
                                       callback<qualification_type_view> cb) {
  if (auto a = impl_->requester_or_fail(requester_id, cb))
    post(a, requester::msg{requester::create_qual_type{std::move(spec), std::move(cb)}});
}

void engine::get_qualification_type(std::string type_id, callback<qualification_type_view> cb) {
  auto n = parse_id(id_kind::qualification_type, type_id);
  auto v = n ? impl_->rt.qualification_types.get(*n) : std::nullopt;
  if (!v)
    return fail(cb, errc::qualification_type_does_not_exist, "no qualification type " + type_id);
  cb(std::move(*v));
}

void engine::update_qualification_type(std::string requester_id, std::string type_id, qualification_type_update u,
                                       callback<qualification_type_view> cb) {
  HITD_QUAL_OWNER(cb, requester_id, type_id, true)
  post(q.actor, requester::msg{requester::update_qual_type{q.number, std::move(u), std::move(cb)}});
}

void engine::delete_qualification_type(std::string requester_id, std::string type_id, callback<done> cb) {
  HITD_QUAL_OWNER(cb, requester_id, type_id, true)
  post(q.actor, requester::msg{requester::delete_qual_type{q.number, std::move(cb)}});
}

void engine::list_qualification_types(std::string requester_id, std::string query, bool must_be_requestable,
                                      bool must_be_owned_by_caller, page_request page,
                                      callback<hitd::page<qualification_type_view>> cb) {
  if (!impl_->page_ok(page, cb))
    return;
  if (must_be_owned_by_caller && !impl_->requester_or_fail(requester_id, cb))
    return;
  std::vector<qualification_type_view> all;
  impl_->rt.qualification_types.each([&](uint64_t, const qualification_type_view& v) {
    if (v.spec.status == qualification_type_status::disposing)
      return;
    if (must_be_owned_by_caller && v.requester_id != requester_id)
      return;
    if (must_be_requestable && !v.is_requestable)
      return;
    auto folded = [](std::string x) {
      for (auto& ch : x)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return x;
    };
    if (!query.empty()) {
      auto q = folded(query);
      if (folded(v.spec.name).find(q) == std::string::npos && folded(v.spec.description).find(q) == std::string::npos &&
          folded(v.spec.keywords).find(q) == std::string::npos)
        return;
    }
    all.push_back(v);
  });
  hitd::page<qualification_type_view> out;
  auto off = page_offset(page);
  for (size_t i = off; i < all.size() && out.items.size() < page.max_results; ++i)
    out.items.push_back(std::move(all[i]));
  out.next_token = next_page_token(off + out.items.size(), all.size());
  cb(std::move(out));
}

void engine::associate_qualification_with_worker(std::string requester_id, std::string type_id, std::string worker_id,
                                                 int32_t value, bool send_notification, callback<done> cb) {
  HITD_QUAL_OWNER(cb, requester_id, type_id, true)
  if (!impl_->worker_or_fail(worker_id, cb))
    return;
  auto reply = std::move(cb);
  if (send_notification) {
    // MTurk e-mails the worker; hitd records a notification on the dashboard.
    auto w = impl_->rt.worker_or_none(worker_id);
    reply = [w, requester_id, type_id, now = impl_->rt.now(), reply = std::move(reply)](status s) mutable {
      if (s.ok() && w)
        post(w, worker::msg{worker::notify{{requester_id, "Qualification granted", "You were granted qualification " + type_id + ".", now}, [](bool) {}}});
      reply(std::move(s));
    };
  }
  post(q.actor, requester::msg{requester::grant{q.number, std::move(worker_id), value, true, {}, std::move(reply)}});
}

void engine::disassociate_qualification_from_worker(std::string requester_id, std::string type_id, std::string worker_id,
                                                    std::string reason, callback<done> cb) {
  HITD_QUAL_OWNER(cb, requester_id, type_id, true)
  if (reason.size() > limits::reason_chars_max)
    return fail(cb, errc::invalid_parameter_value, "Reason is too long");
  post(q.actor, requester::msg{requester::grant{q.number, std::move(worker_id), 0, false, std::move(reason), std::move(cb)}});
}

void engine::get_qualification_score(std::string requester_id, std::string type_id, std::string worker_id,
                                     callback<qualification_view> cb) {
  HITD_QUAL_OWNER(cb, requester_id, type_id, true)
  post(q.actor, requester::msg{requester::score{q.number, std::move(worker_id), std::move(cb)}});
}

void engine::list_workers_with_qualification_type(std::string requester_id, std::string type_id,
                                                  std::optional<qualification_status> grant_status, page_request page,
                                                  callback<hitd::page<qualification_view>> cb) {
  if (!impl_->page_ok(page, cb))
    return;
  HITD_QUAL_OWNER(cb, requester_id, type_id, true)
  post(q.actor, requester::msg{requester::list_grants{q.number, grant_status, std::move(page), std::move(cb)}});
}

void engine::list_qualification_requests(std::string requester_id, std::string type_id, page_request page,
                                         callback<hitd::page<qualification_request_view>> cb) {
  if (!impl_->page_ok(page, cb))
    return;
  if (type_id.empty()) {
    if (auto a = impl_->requester_or_fail(requester_id, cb))
      post(a, requester::msg{requester::list_qual_requests{0, std::move(page), std::move(cb)}});
    return;
  }
  HITD_QUAL_OWNER(cb, requester_id, type_id, true)
  post(q.actor, requester::msg{requester::list_qual_requests{q.number, std::move(page), std::move(cb)}});
}

void engine::accept_qualification_request(std::string requester_id, std::string request_id, std::optional<int32_t> value,
                                          callback<done> cb) {
  auto n = parse_id(id_kind::qualification_request, request_id);
  if (!n)
    return fail(cb, errc::qualification_request_does_not_exist, "no qualification request " + request_id);
  if (auto a = impl_->requester_or_fail(requester_id, cb))
    post(a, requester::msg{requester::decide_qual_request{*n, true, value, {}, std::move(cb)}});
}

void engine::reject_qualification_request(std::string requester_id, std::string request_id, std::string reason,
                                          callback<done> cb) {
  auto n = parse_id(id_kind::qualification_request, request_id);
  if (!n)
    return fail(cb, errc::qualification_request_does_not_exist, "no qualification request " + request_id);
  if (reason.size() > limits::reason_chars_max)
    return fail(cb, errc::invalid_parameter_value, "Reason is too long");
  if (auto a = impl_->requester_or_fail(requester_id, cb))
    post(a, requester::msg{requester::decide_qual_request{*n, false, std::nullopt, std::move(reason), std::move(cb)}});
}

void engine::list_hits_for_qualification_type(std::string requester_id, std::string type_id, page_request page,
                                              callback<hitd::page<hit_view>> cb) {
  if (!impl_->page_ok(page, cb))
    return;
  HITD_QUAL_OWNER(cb, requester_id, type_id, false)
  (void)q;
  if (auto a = impl_->requester_or_fail(requester_id, cb))
    post(a, requester::msg{requester::list_hits_for_qual{std::move(type_id), std::move(page), std::move(cb)}});
}

#undef HITD_QUAL_OWNER

void engine::update_notification_settings(std::string requester_id, std::string hit_type_id,
                                          std::optional<notification_spec> spec, std::optional<bool> active,
                                          callback<done> cb) {
  if (auto a = impl_->requester_or_fail(requester_id, cb))
    post(a, requester::msg{requester::notification_update{std::move(hit_type_id), std::move(spec), active, std::move(cb)}});
}

void engine::get_notification_settings(std::string requester_id, std::string hit_type_id,
                                       callback<notification_settings> cb) {
  if (auto a = impl_->requester_or_fail(requester_id, cb))
    post(a, requester::msg{requester::notification_get{std::move(hit_type_id), std::move(cb)}});
}

void engine::notify_workers(std::string requester_id, std::string subject, std::string message,
                            std::vector<std::string> worker_ids, callback<std::vector<notify_failure>> cb) {
  if (subject.empty() || message.empty() || worker_ids.empty())
    return fail(cb, errc::missing_parameter, "Subject, MessageText and WorkerIds are required");
  if (subject.size() > limits::notify_subject_chars_max)
    return fail(cb, errc::invalid_parameter_value, "Subject is longer than 200 characters");
  if (message.size() > limits::notify_message_chars_max)
    return fail(cb, errc::invalid_parameter_value, "MessageText is longer than 4,096 characters");
  if (worker_ids.size() > limits::notify_workers_per_call_max)
    return fail(cb, errc::invalid_parameter_value, "at most 100 WorkerIds per call");
  if (auto a = impl_->requester_or_fail(requester_id, cb))
    post(a, requester::msg{requester::notify{std::move(subject), std::move(message), std::move(worker_ids), std::move(cb)}});
}

void engine::request_qualification(std::string worker_id, std::string type_id, std::string answer,
                                   callback<qualification_request_outcome> cb) {
  if (!impl_->worker_or_fail(worker_id, cb))
    return;
  auto n = parse_id(id_kind::qualification_type, type_id);
  auto v = n ? impl_->rt.qualification_types.get(*n) : std::nullopt;
  if (!v)
    return fail(cb, errc::qualification_type_does_not_exist, "no qualification type " + type_id);
  auto a = impl_->rt.requester_or_none(v->requester_id);
  if (!a)
    return fail(cb, errc::requester_does_not_exist, "the type's requester is gone");
  post(a, requester::msg{requester::qual_request{*n, std::move(worker_id), std::move(answer), std::move(cb)}});
}

// ---- worker ----------------------------------------------------------------------------------

void engine::accept(accept_request req, callback<assignment_view> cb) {
  if (req.idempotency_key.size() > limits::request_token_chars_max)
    return fail(cb, errc::invalid_parameter_value, "the idempotency key is longer than 64 characters");
  uint64_t number = 0;
  if (!req.hit_id.empty()) {
    auto n = parse_id(id_kind::hit, req.hit_id);
    if (!n)
      return fail(cb, errc::hit_does_not_exist, "no HIT " + req.hit_id);
    number = *n;
  } else if (req.hit_type_id.empty()) {
    return fail(cb, errc::missing_parameter, "give a HIT id, or a HIT type id to accept the next HIT of its group");
  } else if (!parse_id(id_kind::hit_type, req.hit_type_id)) {
    return fail(cb, errc::hit_type_does_not_exist, "no HIT group " + req.hit_type_id);
  }
  if (auto a = impl_->worker_or_fail(req.worker_id, cb))
    post(a, worker::msg{worker::accept{number, std::move(req.hit_type_id), std::move(req.idempotency_key), std::move(cb)}});
}

void engine::submit(submit_request req, callback<done> cb) {
  if (req.answer.size() > limits::answer_bytes_max)
    return fail(cb, errc::invalid_parameter_value, "the answer is larger than 65,535 bytes");
  if (req.idempotency_key.size() > limits::request_token_chars_max)
    return fail(cb, errc::invalid_parameter_value, "the idempotency key is longer than 64 characters");
  auto [a, ordinal] = impl_->assignment_or_fail(req.assignment_id, cb);
  if (a)
    post(a, hit::msg{hit::submit{std::move(req.worker_id), ordinal, std::move(req.answer),
                                           std::move(req.idempotency_key), std::move(cb)}});
}

void engine::return_assignment(std::string worker_id, std::string assignment_id, callback<done> cb) {
  auto [a, ordinal] = impl_->assignment_or_fail(assignment_id, cb);
  if (a)
    post(a, hit::msg{hit::give_back{std::move(worker_id), ordinal, std::move(cb)}});
}

void engine::dashboard(std::string worker_id, callback<worker_dashboard> cb) {
  if (auto a = impl_->worker_or_fail(worker_id, cb))
    post(a, worker::msg{worker::dashboard{std::move(cb)}});
}

void engine::assignments_in_progress(std::string worker_id, callback<worker_assignments> cb) {
  auto w = impl_->worker_or_fail(worker_id, cb);
  if (!w)
    return;
  // The worker knows which assignments it holds; each HIT knows their state
  // now (one submitted or returned a moment ago may not have reached the
  // worker yet) and the question. The answers are gathered in the worker's
  // order.
  struct gather {
    std::mutex m;
    std::vector<std::optional<assignment_with_hit>> got;
    size_t left = 0;
    bool more = false;
    callback<worker_assignments> cb;
    void one(size_t i, std::optional<assignment_with_hit> a) {
      std::unique_lock lock{m};
      got[i] = std::move(a);
      if (--left > 0)
        return;
      worker_assignments out;
      out.more = more;
      for (auto& g : got)
        if (g)
          out.items.push_back(std::move(*g));
      lock.unlock();
      cb(std::move(out));
    }
  };
  auto* rt = &impl_->rt;
  post(w, worker::msg{worker::list_open{[rt, worker_id, cb = std::move(cb)](result<open_assignment_list> l) mutable {
    if (!l.ok())
      return cb(l.err());
    if (l->refs.empty())
      return cb(worker_assignments{{}, l->more});
    auto g = std::make_shared<gather>();
    g->got.resize(l->refs.size());
    g->left = l->refs.size();
    g->more = l->more;
    g->cb = std::move(cb);
    for (size_t i = 0; i < l->refs.size(); ++i) {
      auto ref = l->refs[i];
      auto h = rt->hit_or_none(ref.hit);
      if (!h) {
        g->one(i, std::nullopt);
        continue;
      }
      post(h, hit::msg{hit::get_assignment{{}, ref.ordinal, [g, i](result<assignment_with_hit> a) {
        if (a.ok() && a->assignment.status == assignment_status::accepted)
          g->one(i, std::move(*a));
        else
          g->one(i, std::nullopt);
      }, worker_id}});
    }
  }}});
}

void engine::withdraw(std::string worker_id, money amount, std::string key, callback<money> cb) {
  if (key.size() > limits::request_token_chars_max)
    return fail(cb, errc::invalid_parameter_value, "the idempotency key is longer than 64 characters");
  if (auto a = impl_->worker_or_fail(worker_id, cb))
    post(a, worker::msg{worker::withdraw{amount, std::move(key), std::move(cb)}});
}

// ---- the live feed ------------------------------------------------------------------------------

void engine::worker_credentials_of(std::string worker_id, callback<worker_credentials> cb) {
  if (auto a = impl_->worker_or_fail(worker_id, cb))
    post(a, worker::msg{worker::credentials{std::move(cb)}});
}

namespace {
// HIT records a page of list_available_hits reads at most, however few of
// them are candidates (expired and deleted HITs are skipped, not activated).
constexpr size_t available_scan_records_max = 10'000;
} // namespace

void engine::list_available_hits(page_request page, callback<hitd::page<hit_view>> cb) {
  if (!impl_->page_ok(page, cb))
    return;
  auto& rt = impl_->rt;
  rt.await_rebuilt(impl::rebuild_wait);
  uint64_t after = page.next_token.empty() ? 0 : std::stoull(page.next_token);
  auto now = rt.now();
  std::vector<uint64_t> numbers;
  std::string next_token;
  if (rt.store) {
    // Candidates from the HIT records, in number order: neither deleted nor
    // expired by their record. Their actors answer for the rest.
    size_t visited = 0;
    uint64_t last = after;
    auto s = rt.store->scan(kind_prefix(record_kind::hit), [&](const std::string& key, const record_value& v) {
      key_reader k{key};
      auto n = k.number();
      if (!k.ok()) {
        rt.report_storage_error(k.malformed() + ": skipped");
        return true;
      }
      if (n <= after)
        return true;
      if (numbers.size() == page.max_results || visited == available_scan_records_max) {
        next_token = std::to_string(last);
        return false;
      }
      ++visited;
      last = n;
      const auto& snap = *std::static_pointer_cast<const hit_snapshot>(v);
      if (!snap.disposed && !snap.expired && snap.expiration > now)
        numbers.push_back(n);
      return true;
    }, hit_key(after + 1));
    if (!s.ok()) {
      rt.report_storage_error(s.err().message);
      return fail(cb, errc::storage_failure, s.err().message);
    }
  } else {
    // Without a store every HIT is in memory (with its actor or parked).
    for (auto n : rt.hits.keys())
      if (n > after)
        numbers.push_back(n);
    std::sort(numbers.begin(), numbers.end());
    if (numbers.size() > page.max_results) {
      numbers.resize(page.max_results);
      next_token = std::to_string(numbers.back());
    }
  }
  if (numbers.empty()) {
    hitd::page<hit_view> out;
    out.next_token = std::move(next_token);
    return cb(std::move(out));
  }
  // Ask each candidate for its view; answer once all have answered.
  struct gather {
    std::mutex mutex;
    std::vector<hit_view> items;
    size_t left = 0;
    std::string next_token;
    callback<hitd::page<hit_view>> cb;
  };
  auto g = std::make_shared<gather>();
  g->left = numbers.size();
  g->next_token = std::move(next_token);
  g->cb = std::move(cb);
  auto one = [g](result<hit_view> r) {
    bool last = false;
    {
      std::lock_guard<std::mutex> lock{g->mutex};
      if (r.ok() && r->status == hit_status::assignable && r->assignments_available > 0) {
        r->requester_annotation.clear();
        g->items.push_back(std::move(r).value());
      }
      last = --g->left == 0;
    }
    if (!last)
      return;
    std::sort(g->items.begin(), g->items.end(), [](const hit_view& a, const hit_view& b) {
      return parse_id(id_kind::hit, a.hit_id).value_or(0) < parse_id(id_kind::hit, b.hit_id).value_or(0);
    });
    hitd::page<hit_view> out;
    out.items = std::move(g->items);
    out.next_token = std::move(g->next_token);
    g->cb(std::move(out));
  };
  for (auto n : numbers) {
    auto a = rt.hit_or_none(n);
    if (!a) {
      one(error{errc::hit_does_not_exist, "gone"});
      continue;
    }
    post(a, hit::msg{hit::get{{}, one}});
  }
}

// ---- events, time, inspection ------------------------------------------------------------------

uint64_t engine::subscribe(std::function<void(const event&)> fn) { return impl_->rt.bus.subscribe(std::move(fn)); }
void engine::unsubscribe(uint64_t id) { impl_->rt.bus.unsubscribe(id); }
uint64_t engine::last_event_seq() const { return impl_->rt.bus.last_seq(); }

void engine::advance_clock(duration_ms by) {
  auto& rt = impl_->rt;
  auto* manual = dynamic_cast<manual_clock*>(rt.clk.get());
  if (!manual || by < 0)
    return;
  manual->set(manual->now() + by);
  // Wake every HIT with a deadline due and wait until each has applied them;
  // a woken HIT applies all of its due deadlines in time order. A write that
  // fails meanwhile rebuilds the engine, whose deadlines are then read again
  // from the index: go round again (a bounded number of times).
  for (int round = 0; round < 16; ++round) {
    auto rebuilds_before = rt.rebuilds.load();
    rt.await_rebuilt(impl::rebuild_wait);
    rt.timers.load_stored(manual->now());
    auto due = rt.timers.take_due(manual->now());
    std::sort(due.begin(), due.end(), [](auto& a, auto& b) { return a.target < b.target; });
    due.erase(std::unique(due.begin(), due.end(), [](auto& a, auto& b) { return a.target == b.target; }), due.end());
    std::vector<std::future<void>> waits;
    for (const auto& e : due) {
      auto a = rt.hit_or_none(e.target);
      if (!a)
        continue;
      auto p = std::make_shared<std::promise<void>>();
      waits.push_back(p->get_future());
      post(a, hit::msg{hit::wake{[p] { p->set_value(); }}});
    }
    for (auto& w : waits)
      w.wait();
    drain();
    if (rt.rebuilds.load() == rebuilds_before)
      break;
  }
  rt.passivate_idle(rt.cfg.passivate_after_ms);
}

void engine::drain() { impl_->drain(std::chrono::seconds(60)); }

result<hit_inspection> engine::inspect_hit(std::string hit_id) {
  return wait_for<hit_inspection>([&](callback<hit_inspection> cb) {
    if (auto a = impl_->hit_or_fail(hit_id, cb))
      post(a, hit::msg{hit::inspect{std::move(cb)}});
  });
}

result<ledger_audit> engine::audit_ledger() {
  return wait_for<ledger_audit>([&](callback<ledger_audit> cb) {
    post(impl_->rt.ledger, ledger::msg{ledger::audit{std::move(cb)}});
  });
}

// ---- blocking overloads ----------------------------------------------------------------------------

#define HITD_BLOCKING(T, name, ...) \
  wait_for<T>([&](callback<T> cb) { name(__VA_ARGS__, std::move(cb)); })

result<std::string> engine::create_requester(requester_spec s) { return HITD_BLOCKING(std::string, create_requester, std::move(s)); }
result<std::string> engine::create_worker(worker_spec s) { return HITD_BLOCKING(std::string, create_worker, std::move(s)); }
result<account_balance> engine::deposit(std::string r, money m, std::string t) { return HITD_BLOCKING(account_balance, deposit, std::move(r), m, std::move(t)); }
result<account_balance> engine::get_account_balance(std::string r) { return HITD_BLOCKING(account_balance, get_account_balance, std::move(r)); }
result<std::string> engine::create_hit_type(std::string r, hit_properties p) { return HITD_BLOCKING(std::string, create_hit_type, std::move(r), std::move(p)); }
result<hit_view> engine::create_hit(create_hit_request r) { return HITD_BLOCKING(hit_view, create_hit, std::move(r)); }
result<hit_view> engine::get_hit(std::string r, std::string h) { return HITD_BLOCKING(hit_view, get_hit, std::move(r), std::move(h)); }
result<page<hit_view>> engine::list_hits(std::string r, page_request p) { return HITD_BLOCKING(page<hit_view>, list_hits, std::move(r), std::move(p)); }
result<page<hit_view>> engine::list_reviewable_hits(std::string r, std::string t, bool rv, page_request p) { return HITD_BLOCKING(page<hit_view>, list_reviewable_hits, std::move(r), std::move(t), rv, std::move(p)); }
status engine::update_expiration(std::string r, std::string h, timestamp t) { return HITD_BLOCKING(done, update_expiration, std::move(r), std::move(h), t); }
status engine::update_hit_review_status(std::string r, std::string h, bool rv) { return HITD_BLOCKING(done, update_hit_review_status, std::move(r), std::move(h), rv); }
status engine::update_hit_type_of_hit(std::string r, std::string h, std::string t) { return HITD_BLOCKING(done, update_hit_type_of_hit, std::move(r), std::move(h), std::move(t)); }
status engine::create_additional_assignments(std::string r, std::string h, int64_t n, std::string t) { return HITD_BLOCKING(done, create_additional_assignments, std::move(r), std::move(h), n, std::move(t)); }
status engine::delete_hit(std::string r, std::string h) { return HITD_BLOCKING(done, delete_hit, std::move(r), std::move(h)); }
result<assignment_with_hit> engine::get_assignment(std::string r, std::string a) { return HITD_BLOCKING(assignment_with_hit, get_assignment, std::move(r), std::move(a)); }
result<page<assignment_view>> engine::list_assignments_for_hit(std::string r, std::string h, std::vector<assignment_status> s, page_request p) { return HITD_BLOCKING(page<assignment_view>, list_assignments_for_hit, std::move(r), std::move(h), std::move(s), std::move(p)); }
status engine::approve_assignment(approve_request r) { return HITD_BLOCKING(done, approve_assignment, std::move(r)); }
status engine::reject_assignment(std::string r, std::string a, std::string f) { return HITD_BLOCKING(done, reject_assignment, std::move(r), std::move(a), std::move(f)); }
status engine::send_bonus(bonus_request r) { return HITD_BLOCKING(done, send_bonus, std::move(r)); }
result<page<bonus_payment>> engine::list_bonus_payments(std::string r, std::string h, std::string a, page_request p) { return HITD_BLOCKING(page<bonus_payment>, list_bonus_payments, std::move(r), std::move(h), std::move(a), std::move(p)); }
status engine::create_worker_block(std::string r, std::string w, std::string reason) { return HITD_BLOCKING(done, create_worker_block, std::move(r), std::move(w), std::move(reason)); }
status engine::delete_worker_block(std::string r, std::string w, std::string reason) { return HITD_BLOCKING(done, delete_worker_block, std::move(r), std::move(w), std::move(reason)); }
result<page<worker_block>> engine::list_worker_blocks(std::string r, page_request p) { return HITD_BLOCKING(page<worker_block>, list_worker_blocks, std::move(r), std::move(p)); }
result<assignment_view> engine::accept(accept_request r) { return HITD_BLOCKING(assignment_view, accept, std::move(r)); }
status engine::submit(submit_request r) { return HITD_BLOCKING(done, submit, std::move(r)); }
status engine::return_assignment(std::string w, std::string a) { return HITD_BLOCKING(done, return_assignment, std::move(w), std::move(a)); }
result<worker_dashboard> engine::dashboard(std::string w) { return HITD_BLOCKING(worker_dashboard, dashboard, std::move(w)); }
result<worker_assignments> engine::assignments_in_progress(std::string w) { return HITD_BLOCKING(worker_assignments, assignments_in_progress, std::move(w)); }
result<worker_credentials> engine::worker_credentials_of(std::string w) { return HITD_BLOCKING(worker_credentials, worker_credentials_of, std::move(w)); }
result<page<hit_view>> engine::list_available_hits(page_request p) { return HITD_BLOCKING(page<hit_view>, list_available_hits, std::move(p)); }
result<money> engine::withdraw(std::string w, money m, std::string k) { return HITD_BLOCKING(money, withdraw, std::move(w), m, std::move(k)); }

result<qualification_type_view> engine::create_qualification_type(std::string r, qualification_type_spec s) { return HITD_BLOCKING(qualification_type_view, create_qualification_type, std::move(r), std::move(s)); }
result<qualification_type_view> engine::get_qualification_type(std::string t) { return HITD_BLOCKING(qualification_type_view, get_qualification_type, std::move(t)); }
result<qualification_type_view> engine::update_qualification_type(std::string r, std::string t, qualification_type_update u) { return HITD_BLOCKING(qualification_type_view, update_qualification_type, std::move(r), std::move(t), std::move(u)); }
status engine::delete_qualification_type(std::string r, std::string t) { return HITD_BLOCKING(done, delete_qualification_type, std::move(r), std::move(t)); }
result<page<qualification_type_view>> engine::list_qualification_types(std::string r, std::string q, bool req, bool own, page_request p) { return HITD_BLOCKING(page<qualification_type_view>, list_qualification_types, std::move(r), std::move(q), req, own, std::move(p)); }
status engine::associate_qualification_with_worker(std::string r, std::string t, std::string w, int32_t v, bool n) { return HITD_BLOCKING(done, associate_qualification_with_worker, std::move(r), std::move(t), std::move(w), v, n); }
status engine::disassociate_qualification_from_worker(std::string r, std::string t, std::string w, std::string reason) { return HITD_BLOCKING(done, disassociate_qualification_from_worker, std::move(r), std::move(t), std::move(w), std::move(reason)); }
result<qualification_view> engine::get_qualification_score(std::string r, std::string t, std::string w) { return HITD_BLOCKING(qualification_view, get_qualification_score, std::move(r), std::move(t), std::move(w)); }
result<page<qualification_view>> engine::list_workers_with_qualification_type(std::string r, std::string t, std::optional<qualification_status> s, page_request p) { return HITD_BLOCKING(page<qualification_view>, list_workers_with_qualification_type, std::move(r), std::move(t), s, std::move(p)); }
result<page<qualification_request_view>> engine::list_qualification_requests(std::string r, std::string t, page_request p) { return HITD_BLOCKING(page<qualification_request_view>, list_qualification_requests, std::move(r), std::move(t), std::move(p)); }
status engine::accept_qualification_request(std::string r, std::string q, std::optional<int32_t> v) { return HITD_BLOCKING(done, accept_qualification_request, std::move(r), std::move(q), v); }
status engine::reject_qualification_request(std::string r, std::string q, std::string reason) { return HITD_BLOCKING(done, reject_qualification_request, std::move(r), std::move(q), std::move(reason)); }
result<page<hit_view>> engine::list_hits_for_qualification_type(std::string r, std::string t, page_request p) { return HITD_BLOCKING(page<hit_view>, list_hits_for_qualification_type, std::move(r), std::move(t), std::move(p)); }
status engine::update_notification_settings(std::string r, std::string t, std::optional<notification_spec> s, std::optional<bool> a) { return HITD_BLOCKING(done, update_notification_settings, std::move(r), std::move(t), std::move(s), a); }
result<notification_settings> engine::get_notification_settings(std::string r, std::string t) { return HITD_BLOCKING(notification_settings, get_notification_settings, std::move(r), std::move(t)); }
result<std::vector<notify_failure>> engine::notify_workers(std::string r, std::string s, std::string m, std::vector<std::string> w) { return HITD_BLOCKING(std::vector<notify_failure>, notify_workers, std::move(r), std::move(s), std::move(m), std::move(w)); }
result<qualification_request_outcome> engine::request_qualification(std::string w, std::string t, std::string a) { return HITD_BLOCKING(qualification_request_outcome, request_qualification, std::move(w), std::move(t), std::move(a)); }

#undef HITD_BLOCKING

} // namespace hitd
