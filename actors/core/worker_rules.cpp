#include "hitd/worker_rules.hpp"

#include <algorithm>
#include <cassert>

#include "hitd/limits.hpp"

namespace hitd {
namespace {

uint64_t key_of(assignment_ref r) { return (r.hit << 32) | r.ordinal; }

// The statistics row for `day`, created when missing; nullptr when the day is
// older than the rows kept (only the totals count it then).
worker_day* day_row(worker_state& w, int64_t day) {
  auto it = std::find_if(w.days.begin(), w.days.end(), [&](const worker_day& d) { return d.day == day; });
  if (it != w.days.end())
    return &*it;
  if (!w.days.empty() && day < w.days.back().day && w.days.size() >= limits::worker_daily_stats_days_max)
    return nullptr;
  worker_day row;
  row.day = day;
  auto pos = std::find_if(w.days.begin(), w.days.end(), [&](const worker_day& d) { return d.day < day; });
  auto inserted = w.days.insert(pos, row);
  if (w.days.size() > limits::worker_daily_stats_days_max) {
    bool dropping_this = inserted == std::prev(w.days.end());
    w.days.pop_back();
    if (dropping_this)
      return nullptr;
    // Re-find: the insert and the pop invalidated the iterator.
    return day_row(w, day);
  }
  return &*inserted;
}

template <class F>
void on_day(worker_state& w, timestamp t, F&& f) {
  if (auto* row = day_row(w, day_of(t)))
    f(*row);
}

int64_t bp(int64_t part, int64_t whole) { return whole == 0 ? 0 : part * 10'000 / whole; }

void finish(worker_state& w, decltype(worker_state::open)::iterator it) {
  auto key = it->first;
  w.open.erase(it);
  if (w.finished.insert(key).second) {
    w.finished_order.push_back(key);
    ++w.finished_total;
    if (w.finished_order.size() > finished_max) {
      w.finished.erase(w.finished_order.front());
      w.finished_order.pop_front();
    }
  }
}

} // namespace

bool on_probation(const worker_state& w, timestamp now, const worker_policy& p) {
  return now < w.created + days(p.probation_days);
}

int64_t daily_cap(const worker_state& w, timestamp now, const worker_policy& p) {
  return on_probation(w, now, p) ? p.probation_daily_accepts : p.daily_accepts;
}

int64_t accepted_today(const worker_state& w, timestamp now) {
  auto today = day_of(now);
  for (const auto& d : w.days)
    if (d.day == today)
      return d.accepted;
  return 0;
}

status check_daily_cap(const worker_state& w, timestamp now, const worker_policy& p) {
  if (accepted_today(w, now) + w.accepts_in_flight >= daily_cap(w, now, p))
    return error{errc::exceeds_daily_limit, on_probation(w, now, p)
                                              ? "the daily limit of HITs for workers on probation is reached"
                                              : "the daily limit of HITs is reached"};
  return done{};
}

std::shared_ptr<const worker_state> copy_without_finished(worker_state& w) {
  auto finished = std::move(w.finished);
  auto order = std::move(w.finished_order);
  w.finished.clear();
  w.finished_order.clear();
  auto rec = std::make_shared<const worker_state>(w);
  w.finished = std::move(finished);
  w.finished_order = std::move(order);
  return rec;
}

open_assignment_list in_progress(const worker_state& w, size_t max) {
  std::vector<std::pair<timestamp, uint64_t>> found;   // (accepted at, key)
  for (const auto& [key, e] : w.open)
    if (e.status == assignment_status::accepted)
      found.emplace_back(e.since, key);
  open_assignment_list out;
  out.more = found.size() > max;
  auto n = std::min(found.size(), max);
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(n), found.end());
  out.refs.reserve(n);
  for (size_t i = 0; i < n; ++i)
    out.refs.push_back({found[i].second >> 32, static_cast<uint32_t>(found[i].second & 0xffff'ffffu)});
  return out;
}

bool apply_update(worker_state& w, const assignment_update& u) {
  auto key = key_of(u.ref);
  auto it = w.open.find(key);
  bool known = it != w.open.end();
  auto from = known ? it->second.status : assignment_status::accepted;
  auto& t = w.totals;
  using s = assignment_status;
  if (u.status == s::accepted) {
    if (known || w.finished.count(key))
      return false;
    w.open.emplace(key, worker_state::open_entry{s::accepted, u.time});
    ++t.accepted;
    on_day(w, u.accept_time, [](worker_day& d) { ++d.accepted; });
    return true;
  }
  if (w.finished.count(key))
    return false;   // final already: nothing to count twice
  // Updates may come out of order (a replay after a failed write): a later
  // status implies the earlier steps, counted once here.
  bool implied = false;
  if (!known) {
    it = w.open.emplace(key, worker_state::open_entry{s::accepted, u.accept_time}).first;
    ++t.accepted;
    on_day(w, u.accept_time, [](worker_day& d) { ++d.accepted; });
    implied = true;
  }
  if (from == s::accepted && u.submit_time != 0 && (u.status == s::approved || u.status == s::rejected)) {
    ++t.submitted;
    ++t.pending;
    on_day(w, u.submit_time, [](worker_day& d) { ++d.submitted; ++d.pending; });
    it->second = {s::submitted, u.submit_time};
    from = s::submitted;
    implied = true;
  }
  switch (u.status) {
    case s::submitted:
      if (from != s::accepted)
        return implied;
      ++t.submitted;
      ++t.pending;
      on_day(w, u.submit_time, [](worker_day& d) { ++d.submitted; ++d.pending; });
      it->second = {s::submitted, u.time};
      return true;
    case s::returned:
    case s::abandoned:
      if (from != s::accepted)
        return implied;
      if (u.status == s::returned) {
        ++t.returned;
        on_day(w, u.time, [](worker_day& d) { ++d.returned; });
      } else {
        ++t.abandoned;
        on_day(w, u.time, [](worker_day& d) { ++d.abandoned; });
      }
      finish(w, it);
      return true;
    case s::rejected:
      if (from != s::submitted)
        return implied;
      --t.pending;
      ++t.rejected;
      on_day(w, u.submit_time, [](worker_day& d) { --d.pending; ++d.rejected; });
      it->second = {s::rejected, u.time};
      return true;
    case s::approved:
      if (from == s::submitted) {
        --t.pending;
        on_day(w, u.submit_time, [](worker_day& d) { --d.pending; });
      } else if (from == s::rejected) {
        --t.rejected;
        on_day(w, u.submit_time, [](worker_day& d) { --d.rejected; });
      } else {
        return implied;
      }
      ++t.approved;
      t.reward_income += u.reward;
      on_day(w, u.submit_time, [&](worker_day& d) { ++d.approved; d.reward_income += u.reward; });
      finish(w, it);
      return true;
    default:
      return implied;
  }
}

void record_bonus(worker_state& w, money amount, timestamp now) {
  w.totals.bonus_income += amount;
  on_day(w, now, [&](worker_day& d) { d.bonus_income += amount; });
}

worker_credentials credentials_of(const worker_state& w) {
  worker_credentials c;
  c.worker_id = w.id;
  c.blocked_by = w.blocked_by;
  for (const auto& [id, g] : w.qualifications)
    if (g.status == qualification_status::granted)
      c.values[id] = qualification_value{g.locale_value ? std::nullopt : std::optional<int32_t>{g.integer_value},
                                         g.locale_value};
  const auto& t = w.totals;
  auto pct = [](int64_t part, int64_t whole, int32_t none) {
    return whole == 0 ? none : static_cast<int32_t>(part * 100 / whole);
  };
  namespace sq = system_qualification;
  int64_t decided = t.approved + t.rejected;
  auto set = [&](std::string_view id, qualification_value v) { c.system[sq::index_of(id)] = std::move(v); };
  set(sq::percent_assignments_approved, {pct(t.approved, decided, 100), std::nullopt});
  set(sq::percent_assignments_rejected, {pct(t.rejected, decided, 0), std::nullopt});
  set(sq::percent_assignments_submitted, {pct(t.submitted, t.accepted, 100), std::nullopt});
  set(sq::percent_assignments_returned, {pct(t.returned, t.accepted, 0), std::nullopt});
  set(sq::percent_assignments_abandoned, {pct(t.abandoned, t.accepted, 0), std::nullopt});
  set(sq::number_hits_approved, {static_cast<int32_t>(std::min<int64_t>(t.approved, INT32_MAX)), std::nullopt});
  if (!w.home.country.empty())
    set(sq::locale, {std::nullopt, w.home});
  return c;
}

money earnings_of(const worker_state& w) { return w.totals.reward_income + w.totals.bonus_income; }
money balance_of(const worker_state& w) { return earnings_of(w) - w.withdrawn; }

worker_dashboard dashboard_of(const worker_state& w, timestamp now, const worker_policy& p) {
  worker_dashboard d;
  d.worker_id = w.id;
  d.reward_earnings = w.totals.reward_income;
  d.bonus_earnings = w.totals.bonus_income;
  d.total_earnings = earnings_of(w);
  d.withdrawn = w.withdrawn;
  d.available_balance = balance_of(w);
  d.days.assign(w.days.begin(), w.days.end());
  d.totals = w.totals;
  int64_t decided = w.totals.approved + w.totals.rejected;
  d.returned_bp = bp(w.totals.returned, w.totals.accepted);
  d.abandoned_bp = bp(w.totals.abandoned, w.totals.accepted);
  d.approved_bp = bp(w.totals.approved, decided);
  d.rejected_bp = bp(w.totals.rejected, decided);
  d.on_probation = on_probation(w, now, p);
  return d;
}

status check_withdrawal(const worker_state& w, money amount, timestamp now, const worker_policy& p) {
  if (amount.cents <= 0)
    return error{errc::invalid_parameter_value, "the amount must be positive"};
  if (on_probation(w, now, p))
    return error{errc::withdrawal_not_allowed, "workers on probation cannot withdraw earnings yet"};
  if (amount < p.withdrawal_minimum)
    return error{errc::withdrawal_not_allowed, "the amount is below the minimum withdrawal of $" +
                                                 format_amount(p.withdrawal_minimum)};
  if (amount > balance_of(w))
    return error{errc::insufficient_funds, "the amount exceeds the available earnings"};
  return done{};
}

void prune(worker_state& w, timestamp now) {
  if (now - w.last_prune < seconds(60) && w.notifications.size() <= limits::worker_notifications_max)
    return;
  w.last_prune = now;
  auto cutoff = now - limits::request_token_window_ms;
  std::erase_if(w.accept_tokens, [&](const auto& kv) { return kv.second.second < cutoff; });
  std::erase_if(w.withdraw_tokens, [&](const auto& kv) { return kv.second < cutoff; });
  // A rejection can be overridden for 30 days after submission; a day's
  // margin past that, it is final.
  auto override_cutoff = now - limits::override_rejection_window_ms - days(1);
  erase_if(w.open, [&](const auto& kv) {
    return kv.second.status == assignment_status::rejected && kv.second.since < override_cutoff;
  });
  while (w.notifications.size() > limits::worker_notifications_max)
    w.notifications.erase(w.notifications.begin());
}

} // namespace hitd
