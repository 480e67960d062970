#include "hitd/gateway/feed/wire.hpp"

#include <cstdio>

#include "hitd/gateway/feed/market_view.hpp"
#include "hitd/ids.hpp"
#include "hitd/money.hpp"
#include "hitd/names.hpp"

namespace hitd::gateway {

namespace json = boost::json;

std::string_view reason_name(unavailable_reason r) {
  switch (r) {
    case unavailable_reason::none: return "none";
    case unavailable_reason::lifetime_over: return "lifetime_over";
    case unavailable_reason::all_taken: return "all_taken";
    case unavailable_reason::withdrawn: return "withdrawn";
  }
  return "none";
}

namespace {

json::string amount(money m) { return json::string(format_amount(m)); }

json::object locale_json(const locale& l) {
  json::object o;
  o["country"] = l.country;
  if (!l.subdivision.empty())
    o["subdivision"] = l.subdivision;
  return o;
}

std::string to_text(const json::object& o) { return json::serialize(o); }

// Days since 1970-01-01 as YYYY-MM-DD (H. Hinnant's civil_from_days).
std::string format_date(int64_t days) {
  days += 719'468;
  const int64_t era = (days >= 0 ? days : days - 146'096) / 146'097;
  const int64_t doe = days - era * 146'097;
  const int64_t yoe = (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(y), static_cast<int>(m), static_cast<int>(d));
  return buf;
}

} // namespace

json::object group_json(const hit_definition& def) {
  const auto& p = *def.properties;
  json::object o;
  o["hit_type_id"] = def.hit_type_id;
  o["requester_id"] = def.requester_id;
  o["title"] = p.title;
  o["description"] = p.description;
  o["keywords"] = p.keywords;
  o["reward"] = amount(p.reward);
  o["assignment_duration_s"] = p.assignment_duration_s;
  o["auto_approval_delay_s"] = p.auto_approval_delay_s;
  json::array reqs;
  for (const auto& r : p.requirements) {
    json::object q;
    q["qualification_type_id"] = r.qualification_type_id;
    q["comparator"] = comparator_name(r.cmp);
    if (!r.integer_values.empty()) {
      json::array v;
      for (auto x : r.integer_values)
        v.push_back(x);
      q["integer_values"] = std::move(v);
    }
    if (!r.locale_values.empty()) {
      json::array v;
      for (const auto& l : r.locale_values)
        v.push_back(locale_json(l));
      q["locale_values"] = std::move(v);
    }
    q["actions_guarded"] = guarded_name(r.guards);
    reqs.push_back(std::move(q));
  }
  o["requirements"] = std::move(reqs);
  return o;
}

json::object group_member_json(const feed_hit& h) {
  json::object o;
  o["hit_id"] = h.hit_id;
  o["assignments_available"] = h.available;
  o["max_assignments"] = h.max_assignments;
  o["expiration"] = h.expiration;
  o["creation_time"] = h.def->creation_time;
  return o;
}

json::object hit_json(const feed_hit& h) {
  auto o = group_json(*h.def);
  for (auto& kv : group_member_json(h))
    o[kv.key()] = kv.value();
  return o;
}

std::string feed_event_frame(const feed_event& e) {
  json::object o;
  switch (e.kind) {
    case feed_kind::available:
      o["type"] = "hit.available";
      o["position"] = e.position;
      o["hit"] = hit_json(e.hit);
      break;
    case feed_kind::updated:
      o["type"] = "hit.updated";
      o["position"] = e.position;
      o["hit_id"] = e.hit.hit_id;
      o["hit_type_id"] = e.hit.def->hit_type_id;
      o["assignments_available"] = e.hit.available;
      o["max_assignments"] = e.hit.max_assignments;
      o["expiration"] = e.hit.expiration;
      if (e.before)   // the HIT took another type: its properties changed
        o["hit"] = hit_json(e.hit);
      break;
    case feed_kind::expired:
      o["type"] = "hit.expired";
      o["position"] = e.position;
      o["hit_id"] = e.hit.hit_id;
      o["hit_type_id"] = e.hit.def->hit_type_id;
      o["reason"] = reason_name(e.reason);
      break;
  }
  return to_text(o);
}

std::string session_available_frame(const feed_hit& h, uint64_t position) {
  json::object o;
  o["type"] = "hit.available";
  o["position"] = position;
  o["hit"] = hit_json(h);
  return to_text(o);
}

std::string session_expired_frame(const feed_hit& h, uint64_t position, std::string_view reason) {
  json::object o;
  o["type"] = "hit.expired";
  o["position"] = position;
  o["hit_id"] = h.hit_id;
  o["hit_type_id"] = h.def->hit_type_id;
  o["reason"] = reason;
  return to_text(o);
}

bool is_personal(event_type t) {
  switch (t) {
    case event_type::assignment_accepted:
    case event_type::assignment_abandoned:
    case event_type::assignment_returned:
    case event_type::assignment_submitted:
    case event_type::assignment_rejected:
    case event_type::assignment_approved:
    case event_type::bonus_paid:
    case event_type::earnings_withdrawn:
    case event_type::qualification_granted:
    case event_type::qualification_revoked:
    case event_type::worker_blocked:
    case event_type::worker_unblocked:
    case event_type::worker_notified:
      return true;
    default:
      return false;
  }
}

std::string personal_frame(const event& e) {
  if (!is_personal(e.type) || e.worker_id.empty())
    return {};
  json::object o;
  std::string_view type;
  switch (e.type) {
    case event_type::assignment_accepted: type = "assignment.accepted"; break;
    case event_type::assignment_abandoned: type = "assignment.abandoned"; break;
    case event_type::assignment_returned: type = "assignment.returned"; break;
    case event_type::assignment_submitted: type = "assignment.submitted"; break;
    case event_type::assignment_rejected: type = "assignment.rejected"; break;
    case event_type::assignment_approved: type = "assignment.approved"; break;
    case event_type::bonus_paid: type = "bonus.paid"; break;
    case event_type::earnings_withdrawn: type = "earnings.withdrawn"; break;
    case event_type::qualification_granted: type = "qualification.granted"; break;
    case event_type::qualification_revoked: type = "qualification.revoked"; break;
    case event_type::worker_blocked: type = "worker.blocked"; break;
    case event_type::worker_unblocked: type = "worker.unblocked"; break;
    case event_type::worker_notified: type = "worker.notified"; break;
    default: return {};
  }
  o["type"] = type;
  o["seq"] = e.seq;
  o["time"] = e.time;
  if (e.has_assignment)
    o["assignment_id"] = e.assignment_id();
  if (e.hit_number)
    o["hit_id"] = e.hit_id();
  if (e.hit)
    o["hit_type_id"] = e.hit->hit_type_id;
  if (!e.requester_id.empty())
    o["requester_id"] = e.requester_id;
  switch (e.type) {
    case event_type::assignment_approved:
    case event_type::assignment_accepted:
      o["reward"] = amount(e.amount);   // what approval pays (fixed at accept)
      break;
    case event_type::bonus_paid:
    case event_type::earnings_withdrawn:
      o["amount"] = amount(e.amount);
      break;
    case event_type::qualification_granted:
    case event_type::qualification_revoked:
      o["qualification_type_id"] = e.text;
      break;
    case event_type::worker_notified:
      o["subject"] = e.text;
      break;
    default:
      break;
  }
  return to_text(o);
}

json::object assignment_json(const assignment_view& a) {
  json::object o;
  o["assignment_id"] = a.assignment_id;
  o["hit_id"] = a.hit_id;
  o["status"] = assignment_status_name(a.status);
  o["accept_time"] = a.accept_time;
  o["deadline"] = a.deadline;
  o["reward"] = amount(a.reward);
  if (a.submit_time)
    o["submit_time"] = *a.submit_time;
  return o;
}

json::object task_hit_json(const hit_view& h) {
  json::object o;
  o["hit_id"] = h.hit_id;
  o["hit_type_id"] = h.hit_type_id;
  o["requester_id"] = h.requester_id;
  o["title"] = h.title;
  o["description"] = h.description;
  o["keywords"] = h.keywords;
  o["reward"] = amount(h.reward);
  o["assignment_duration_s"] = h.assignment_duration_s;
  o["assignments_available"] = h.assignments_available;
  o["max_assignments"] = h.max_assignments;
  o["expiration"] = h.expiration;
  o["question"] = h.question;
  return o;
}

json::object dashboard_json(const worker_dashboard& d) {
  json::object earnings;
  earnings["total"] = amount(d.total_earnings);
  earnings["rewards"] = amount(d.reward_earnings);
  earnings["bonuses"] = amount(d.bonus_earnings);
  earnings["available"] = amount(d.available_balance);
  earnings["withdrawn"] = amount(d.withdrawn);
  json::array days;
  for (const auto& day : d.days) {
    json::object o;
    o["date"] = format_date(day.day);
    o["submitted"] = day.submitted;
    o["approved"] = day.approved;
    o["rejected"] = day.rejected;
    o["pending"] = day.pending;
    o["income"] = amount(day.reward_income + day.bonus_income);
    o["reward_income"] = amount(day.reward_income);
    o["bonus_income"] = amount(day.bonus_income);
    days.push_back(std::move(o));
  }
  const auto& t = d.totals;
  json::object totals;
  totals["accepted"] = t.accepted;
  totals["submitted"] = t.submitted;
  totals["approved"] = t.approved;
  totals["rejected"] = t.rejected;
  totals["pending"] = t.pending;
  totals["returned"] = t.returned;
  totals["abandoned"] = t.abandoned;
  json::object pct;   // basis points: 10000 = 100 %
  pct["returned_bp"] = d.returned_bp;
  pct["abandoned_bp"] = d.abandoned_bp;
  pct["approved_bp"] = d.approved_bp;
  pct["rejected_bp"] = d.rejected_bp;
  totals["percentages"] = std::move(pct);
  json::object o;
  o["earnings"] = std::move(earnings);
  o["days"] = std::move(days);
  o["totals"] = std::move(totals);
  o["on_probation"] = d.on_probation;
  return o;
}

std::string error_reply_frame(const json::value& id, std::string_view code, std::string_view message, bool temporary) {
  json::object err;
  err["code"] = code;
  err["message"] = message;
  err["temporary"] = temporary;
  json::object o;
  o["id"] = id;
  o["error"] = std::move(err);
  return to_text(o);
}

std::string reply_frame(const json::value& id, std::string_view type, json::object fields) {
  json::object o;
  o["id"] = id;
  o["type"] = type;
  for (auto& kv : fields)
    o[kv.key()] = std::move(kv.value());
  return to_text(o);
}

} // namespace hitd::gateway
