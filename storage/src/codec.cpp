#include "hitd/storage/codec.hpp"

#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>

#include "hitd/engine.hpp"   // worker_block (a plain struct; nothing of the engine is linked)
#include "hitd/records.hpp"

namespace hitd::storage {

namespace {

// ---- wire primitives ---------------------------------------------------------------

class writer {
public:
  explicit writer(std::string& out) : out_(out) {}

  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  // Zigzag: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ..., so small negatives stay short.
  void svarint(int64_t v) { varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void boolean(bool b) { u8(b ? 1 : 0); }
  void str(std::string_view s) {
    varint(s.size());
    out_.append(s);
  }
  template <class E>
  void enumeration(E e) {
    static_assert(std::is_enum_v<E> && sizeof(E) == 1);
    u8(static_cast<uint8_t>(e));
  }
  void count(size_t n) { varint(n); }

private:
  std::string& out_;
};

// Reads what writer wrote. The first failure is kept and every later read
// returns zero without moving, so a decoder reads straight through and
// checks once at the end.
class reader {
public:
  explicit reader(std::string_view in) : in_(in) {}

  bool ok() const { return why_.empty(); }
  const std::string& why() const { return why_; }
  size_t left() const { return in_.size() - pos_; }
  void fail(std::string why) {
    if (why_.empty())
      why_ = std::move(why);
    pos_ = in_.size();
  }

  uint8_t u8() {
    if (pos_ >= in_.size()) {
      fail("truncated");
      return 0;
    }
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) {
        fail("truncated");
        return 0;
      }
      auto b = static_cast<uint8_t>(in_[pos_++]);
      if (shift == 63 && b > 1) {   // a tenth byte may carry one bit and no continuation
        fail("varint longer than 64 bits");
        return 0;
      }
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80))
        return v;
    }
    return v;   // not reached: the tenth byte ends the loop above
  }
  int64_t svarint() {
    uint64_t z = varint();
    return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  uint32_t varint32(const char* field) {
    uint64_t v = varint();
    if (v > std::numeric_limits<uint32_t>::max()) {
      fail(std::string{field} + " " + std::to_string(v) + " does not fit 32 bits");
      return 0;
    }
    return static_cast<uint32_t>(v);
  }
  int32_t svarint32(const char* field) {
    int64_t v = svarint();
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      fail(std::string{field} + " " + std::to_string(v) + " does not fit 32 bits");
      return 0;
    }
    return static_cast<int32_t>(v);
  }
  bool boolean(const char* field) {
    uint8_t b = u8();
    if (b > 1) {
      fail(std::string{"bad boolean "} + field + " " + std::to_string(b));
      return false;
    }
    return b == 1;
  }
  std::string str() {
    uint64_t n = varint();
    if (!ok())
      return {};
    if (n > left()) {
      fail("string length " + std::to_string(n) + " exceeds the " + std::to_string(left()) + " bytes left");
      return {};
    }
    std::string s{in_.substr(pos_, static_cast<size_t>(n))};
    pos_ += static_cast<size_t>(n);
    return s;
  }
  // An enum stored in one byte, valid from lo to hi (inclusive).
  template <class E>
  E enumeration(const char* name, E lo, E hi) {
    static_assert(std::is_enum_v<E> && sizeof(E) == 1);
    uint8_t b = u8();
    if (ok() && (b < static_cast<uint8_t>(lo) || b > static_cast<uint8_t>(hi)))
      fail(std::string{"bad "} + name + " " + std::to_string(b));
    return ok() ? static_cast<E>(b) : lo;
  }
  // A collection's element count. Every element takes at least one byte, so
  // a count above what is left is corrupt (and is never used to reserve).
  size_t count() {
    uint64_t n = varint();
    if (ok() && n > left())
      fail("count " + std::to_string(n) + " exceeds the " + std::to_string(left()) + " bytes left");
    return ok() ? static_cast<size_t>(n) : 0;
  }
  void duplicate(const char* what) { fail(std::string{"duplicate "} + what); }

private:
  std::string_view in_;
  size_t pos_ = 0;
  std::string why_;
};

// ---- value types, each as put() and get() with the same field order ----------------
// Keep docs/storage.md ("Encoding") in step with any change here, and bump
// codec_version when a field is added, removed or reordered.

void put(writer& w, money m) { w.svarint(m.cents); }
void get(reader& r, money& m) { m.cents = r.svarint(); }

void put(writer& w, const locale& l) {
  w.str(l.country);
  w.str(l.subdivision);
}
void get(reader& r, locale& l) {
  l.country = r.str();
  l.subdivision = r.str();
}

void put(writer& w, const std::optional<locale>& l) {
  w.boolean(l.has_value());
  if (l)
    put(w, *l);
}
void get(reader& r, std::optional<locale>& l) {
  l.reset();
  if (r.boolean("locale presence"))
    get(r, l.emplace());
}

void put(writer& w, const std::optional<timestamp>& t) {
  w.boolean(t.has_value());
  if (t)
    w.svarint(*t);
}
void get(reader& r, std::optional<timestamp>& t) {
  t.reset();
  if (r.boolean("time presence"))
    t = r.svarint();
}

void put(writer& w, const qualification_requirement& q) {
  w.str(q.qualification_type_id);
  w.enumeration(q.cmp);
  w.count(q.integer_values.size());
  for (auto v : q.integer_values)
    w.svarint(v);
  w.count(q.locale_values.size());
  for (const auto& l : q.locale_values)
    put(w, l);
  w.enumeration(q.guards);
}
void get(reader& r, qualification_requirement& q) {
  q.qualification_type_id = r.str();
  q.cmp = r.enumeration("comparator", comparator::less_than, comparator::not_in);
  q.integer_values.resize(r.count());
  for (auto& v : q.integer_values)
    v = r.svarint32("integer value");
  q.locale_values.resize(r.count());
  for (auto& l : q.locale_values)
    get(r, l);
  q.guards = r.enumeration("guarded_action", guarded_action::accept, guarded_action::discover_preview_and_accept);
}

void put(writer& w, const hit_properties& p) {
  w.str(p.title);
  w.str(p.description);
  w.str(p.keywords);
  put(w, p.reward);
  w.svarint(p.assignment_duration_s);
  w.svarint(p.auto_approval_delay_s);
  w.count(p.requirements.size());
  for (const auto& q : p.requirements)
    put(w, q);
}
void get(reader& r, hit_properties& p) {
  p.title = r.str();
  p.description = r.str();
  p.keywords = r.str();
  get(r, p.reward);
  p.assignment_duration_s = r.svarint();
  p.auto_approval_delay_s = r.svarint();
  p.requirements.resize(r.count());
  for (auto& q : p.requirements)
    get(r, q);
}

void put(writer& w, const notification_spec& n) {
  w.str(n.destination);
  w.str(n.transport);
  w.str(n.version);
  w.count(n.event_types.size());
  for (const auto& e : n.event_types)
    w.str(e);
}
void get(reader& r, notification_spec& n) {
  n.destination = r.str();
  n.transport = r.str();
  n.version = r.str();
  n.event_types.resize(r.count());
  for (auto& e : n.event_types)
    e = r.str();
}

void put(writer& w, const hit_type& t) {
  w.str(t.id);
  w.str(t.requester_id);
  put(w, t.properties);
  w.svarint(t.creation_time);
  w.boolean(t.notifications.spec.has_value());
  if (t.notifications.spec)
    put(w, *t.notifications.spec);
  w.boolean(t.notifications.active);
}
void get(reader& r, hit_type& t) {
  t.id = r.str();
  t.requester_id = r.str();
  get(r, t.properties);
  t.creation_time = r.svarint();
  t.notifications.spec.reset();
  if (r.boolean("notification spec presence"))
    get(r, t.notifications.spec.emplace());
  t.notifications.active = r.boolean("notifications active");
}

void put(writer& w, const hit_definition& d) {
  w.varint(d.number);
  w.str(d.requester_id);
  w.str(d.hit_type_id);
  put(w, *d.properties);
  w.str(d.question);
  w.str(d.requester_annotation);
  w.svarint(d.creation_time);
}
void get(reader& r, hit_definition& d) {
  d.number = r.varint();
  d.requester_id = r.str();
  d.hit_type_id = r.str();
  auto props = std::make_shared<hit_properties>();
  get(r, *props);
  d.properties = std::move(props);
  d.question = r.str();
  d.requester_annotation = r.str();
  d.creation_time = r.svarint();
}

// The four flags of a HIT in one byte: bit 0 expired, 1 withdrawn, 2
// reviewing, 3 disposed; the other bits are zero.
void put(writer& w, const hit_snapshot& h) {
  w.svarint(h.max_assignments);
  w.svarint(h.expiration);
  w.u8(static_cast<uint8_t>((h.expired ? 1 : 0) | (h.withdrawn ? 2 : 0) | (h.reviewing ? 4 : 0) | (h.disposed ? 8 : 0)));
  w.enumeration(h.review_status);
  put(w, h.held);
  w.varint(h.ledger_seq);
  w.varint(h.pending_seq);
  put(w, h.pending_hold);
  w.svarint(h.disposed_at);
  w.count(h.add_tokens.size());
  for (const auto& [token, t] : h.add_tokens) {
    w.str(token);
    w.svarint(t);
  }
}
void get(reader& r, hit_snapshot& h) {
  h.def = nullptr;
  h.max_assignments = r.svarint();
  h.expiration = r.svarint();
  uint8_t flags = r.u8();
  if (flags & 0xf0)
    r.fail("bad hit flags " + std::to_string(flags));
  h.expired = flags & 1;
  h.withdrawn = flags & 2;
  h.reviewing = flags & 4;
  h.disposed = flags & 8;
  h.review_status = r.enumeration("hit_review_status", hit_review_status::not_reviewed,
                                  hit_review_status::reviewed_inappropriate);
  get(r, h.held);
  h.ledger_seq = r.varint();
  h.pending_seq = r.varint();
  get(r, h.pending_hold);
  h.disposed_at = r.svarint();
  size_t n = r.count();
  h.add_tokens.clear();
  for (size_t i = 0; i < n && r.ok(); ++i) {
    auto token = r.str();
    timestamp t = r.svarint();
    if (!h.add_tokens.emplace(std::move(token), t).second)
      r.duplicate("add-assignments token");
  }
}

assignment_status get_assignment_status(reader& r) {
  return r.enumeration("assignment_status", assignment_status::accepted, assignment_status::abandoned);
}

void put(writer& w, const assignment_record& a) {
  w.varint(a.ordinal);
  w.str(a.worker_id);
  w.enumeration(a.status);
  w.svarint(a.accept_time);
  w.svarint(a.deadline);
  w.svarint(a.submit_time);
  w.svarint(a.auto_approval_time);
  w.svarint(a.approval_time);
  w.svarint(a.rejection_time);
  w.svarint(a.end_time);
  put(w, a.reward);
  put(w, a.fee);
  w.str(a.answer);
  w.str(a.requester_feedback);
  w.str(a.submit_token);
}
void get(reader& r, assignment_record& a) {
  a.ordinal = r.varint32("ordinal");
  a.worker_id = r.str();
  a.status = get_assignment_status(r);
  a.accept_time = r.svarint();
  a.deadline = r.svarint();
  a.submit_time = r.svarint();
  a.auto_approval_time = r.svarint();
  a.approval_time = r.svarint();
  a.rejection_time = r.svarint();
  a.end_time = r.svarint();
  get(r, a.reward);
  get(r, a.fee);
  a.answer = r.str();
  a.requester_feedback = r.str();
  a.submit_token = r.str();
}

void put(writer& w, const bonus_record& b) {
  w.varint(b.ordinal);
  w.str(b.worker_id);
  put(w, b.amount);
  put(w, b.fee);
  w.str(b.reason);
  w.svarint(b.grant_time);
  w.str(b.token);
}
void get(reader& r, bonus_record& b) {
  b.ordinal = r.varint32("ordinal");
  b.worker_id = r.str();
  get(r, b.amount);
  get(r, b.fee);
  b.reason = r.str();
  b.grant_time = r.svarint();
  b.token = r.str();
}

void put(writer& w, const requester_snapshot& s) {
  w.str(s.id);
  w.str(s.name);
  w.svarint(s.created);
  w.varint(s.ledger_seq);
}
void get(reader& r, requester_snapshot& s) {
  s.id = r.str();
  s.name = r.str();
  s.created = r.svarint();
  s.ledger_seq = r.varint();
}

void put(writer& w, const requester_hit_entry& e) {
  w.enumeration(e.status);
  w.varint(e.hit_type);
}
void get(reader& r, requester_hit_entry& e) {
  e.status = r.enumeration("hit_status", hit_status::assignable, hit_status::disposed);
  e.hit_type = r.varint();
}

void put(writer& w, const worker_block& b) {
  w.str(b.worker_id);
  w.str(b.reason);
}
void get(reader& r, worker_block& b) {
  b.worker_id = r.str();
  b.reason = r.str();
}

void put(writer& w, const qualification_grant& g) {
  w.str(g.qualification_type_id);
  w.svarint(g.integer_value);
  put(w, g.locale_value);
  w.svarint(g.grant_time);
  w.enumeration(g.status);
}
void get(reader& r, qualification_grant& g) {
  g.qualification_type_id = r.str();
  g.integer_value = r.svarint32("integer value");
  get(r, g.locale_value);
  g.grant_time = r.svarint();
  g.status = r.enumeration("qualification_status", qualification_status::granted, qualification_status::revoked);
}

void put(writer& w, const qualification_type_spec& s) {
  w.str(s.name);
  w.str(s.description);
  w.str(s.keywords);
  w.enumeration(s.status);
  w.boolean(s.retry_delay_s.has_value());
  if (s.retry_delay_s)
    w.svarint(*s.retry_delay_s);
  w.str(s.test);
  w.str(s.answer_key);
  w.svarint(s.test_duration_s);
  w.boolean(s.auto_granted);
  w.svarint(s.auto_granted_value);
}
void get(reader& r, qualification_type_spec& s) {
  s.name = r.str();
  s.description = r.str();
  s.keywords = r.str();
  s.status = r.enumeration("qualification_type_status", qualification_type_status::active,
                           qualification_type_status::disposing);
  s.retry_delay_s.reset();
  if (r.boolean("retry delay presence"))
    s.retry_delay_s = r.svarint();
  s.test = r.str();
  s.answer_key = r.str();
  s.test_duration_s = r.svarint();
  s.auto_granted = r.boolean("auto_granted");
  s.auto_granted_value = r.svarint32("auto_granted_value");
}

void put(writer& w, const qualification_type_view& v) {
  w.str(v.qualification_type_id);
  w.str(v.requester_id);
  w.svarint(v.creation_time);
  put(w, v.spec);
  w.boolean(v.is_requestable);
}
void get(reader& r, qualification_type_view& v) {
  v.qualification_type_id = r.str();
  v.requester_id = r.str();
  v.creation_time = r.svarint();
  get(r, v.spec);
  v.is_requestable = r.boolean("is_requestable");
}

void put(writer& w, const qualification_request_view& v) {
  w.str(v.qualification_request_id);
  w.str(v.qualification_type_id);
  w.str(v.worker_id);
  w.str(v.test);
  w.str(v.answer);
  w.svarint(v.submit_time);
}
void get(reader& r, qualification_request_view& v) {
  v.qualification_request_id = r.str();
  v.qualification_type_id = r.str();
  v.worker_id = r.str();
  v.test = r.str();
  v.answer = r.str();
  v.submit_time = r.svarint();
}

void put(writer& w, const account_key& k) {
  w.enumeration(k.kind);
  w.str(k.owner);
}
void get(reader& r, account_key& k) {
  k.kind = r.enumeration("account_kind", account_kind::external, account_kind::worker);
  k.owner = r.str();
}

void put(writer& w, const transfer& t) {
  w.str(t.source);
  w.varint(t.seq);
  w.count(t.legs.size());
  for (const auto& l : t.legs) {
    put(w, l.from);
    put(w, l.to);
    put(w, l.amount);
  }
}
void get(reader& r, transfer& t) {
  t.source = r.str();
  t.seq = r.varint();
  t.legs.resize(r.count());
  for (auto& l : t.legs) {
    get(r, l.from);
    get(r, l.to);
    get(r, l.amount);
  }
}

void put(writer& w, const assignment_update& u) {
  w.varint(u.ref.hit);
  w.varint(u.ref.ordinal);
  w.str(u.requester_id);
  w.enumeration(u.status);
  w.svarint(u.accept_time);
  w.svarint(u.submit_time);
  w.svarint(u.time);
  put(w, u.reward);
}
void get(reader& r, assignment_update& u) {
  u.ref.hit = r.varint();
  u.ref.ordinal = r.varint32("ordinal");
  u.requester_id = r.str();
  u.status = get_assignment_status(r);
  u.accept_time = r.svarint();
  u.submit_time = r.svarint();
  u.time = r.svarint();
  get(r, u.reward);
}

// Every field whatever the kind, so a record reads back exactly as written.
void put(writer& w, const outbox_entry& o) {
  w.enumeration(o.kind);
  put(w, o.t);
  w.str(o.worker_id);
  put(w, o.update);
  put(w, o.amount);
  w.svarint(o.time);
}
void get(reader& r, outbox_entry& o) {
  o.kind = r.enumeration("outbox kind", outbox_entry::kind_t::transfer, outbox_entry::kind_t::worker_bonus);
  get(r, o.t);
  o.worker_id = r.str();
  get(r, o.update);
  get(r, o.amount);
  o.time = r.svarint();
}

void put(writer& w, const assignment_view& v) {
  w.str(v.assignment_id);
  w.str(v.worker_id);
  w.str(v.hit_id);
  w.enumeration(v.status);
  w.svarint(v.accept_time);
  w.svarint(v.deadline);
  put(w, v.submit_time);
  put(w, v.auto_approval_time);
  put(w, v.approval_time);
  put(w, v.rejection_time);
  w.str(v.answer);
  w.str(v.requester_feedback);
  put(w, v.reward);
}
void get(reader& r, assignment_view& v) {
  v.assignment_id = r.str();
  v.worker_id = r.str();
  v.hit_id = r.str();
  v.status = get_assignment_status(r);
  v.accept_time = r.svarint();
  v.deadline = r.svarint();
  get(r, v.submit_time);
  get(r, v.auto_approval_time);
  get(r, v.approval_time);
  get(r, v.rejection_time);
  v.answer = r.str();
  v.requester_feedback = r.str();
  get(r, v.reward);
}

// The seven counts and two incomes shared by worker_day and worker_totals.
template <class T>
void put_counts(writer& w, const T& c) {
  w.svarint(c.accepted);
  w.svarint(c.submitted);
  w.svarint(c.approved);
  w.svarint(c.rejected);
  w.svarint(c.pending);
  w.svarint(c.returned);
  w.svarint(c.abandoned);
  put(w, c.reward_income);
  put(w, c.bonus_income);
}
template <class T>
void get_counts(reader& r, T& c) {
  c.accepted = r.svarint();
  c.submitted = r.svarint();
  c.approved = r.svarint();
  c.rejected = r.svarint();
  c.pending = r.svarint();
  c.returned = r.svarint();
  c.abandoned = r.svarint();
  get(r, c.reward_income);
  get(r, c.bonus_income);
}

void put(writer& w, const worker_notification& n) {
  w.str(n.requester_id);
  w.str(n.subject);
  w.str(n.message);
  w.svarint(n.time);
}
void get(reader& r, worker_notification& n) {
  n.requester_id = r.str();
  n.subject = r.str();
  n.message = r.str();
  n.time = r.svarint();
}

void put(writer& w, const worker_state& s) {
  w.str(s.id);
  w.svarint(s.created);
  put(w, s.home);
  w.count(s.qualifications.size());
  for (const auto& [type, g] : s.qualifications) {
    w.str(type);
    put(w, g);
  }
  w.count(s.blocked_by.size());
  for (const auto& b : s.blocked_by)
    w.str(b);
  put_counts(w, s.totals);
  w.count(s.days.size());
  for (const auto& d : s.days) {
    w.svarint(d.day);
    put_counts(w, d);
  }
  put(w, s.withdrawn);
  w.varint(s.ledger_seq);
  w.count(s.open.size());
  for (const auto& [key, e] : s.open) {
    w.varint(key);
    w.enumeration(e.status);
    w.svarint(e.since);
  }
  w.count(s.finished.size());
  for (auto key : s.finished)
    w.varint(key);
  w.count(s.finished_order.size());
  for (auto key : s.finished_order)
    w.varint(key);
  w.svarint(s.accepts_in_flight);
  w.count(s.notifications.size());
  for (const auto& n : s.notifications)
    put(w, n);
  w.count(s.accept_tokens.size());
  for (const auto& [token, first] : s.accept_tokens) {
    w.str(token);
    put(w, first.first);
    w.svarint(first.second);
  }
  w.count(s.withdraw_tokens.size());
  for (const auto& [token, t] : s.withdraw_tokens) {
    w.str(token);
    w.svarint(t);
  }
  w.svarint(s.last_prune);
}
void get(reader& r, worker_state& s) {
  s.id = r.str();
  s.created = r.svarint();
  get(r, s.home);
  for (size_t i = 0, n = r.count(); i < n && r.ok(); ++i) {
    auto type = r.str();
    qualification_grant g;
    get(r, g);
    if (!s.qualifications.emplace(std::move(type), std::move(g)).second)
      r.duplicate("qualification");
  }
  {
    size_t n = r.count();
    s.blocked_by.reserve(n);
    for (size_t i = 0; i < n && r.ok(); ++i)
      if (!s.blocked_by.insert(r.str()).second)
        r.duplicate("blocking requester");
  }
  get_counts(r, s.totals);
  for (size_t i = 0, n = r.count(); i < n && r.ok(); ++i) {
    auto& d = s.days.emplace_back();
    d.day = r.svarint();
    get_counts(r, d);
  }
  get(r, s.withdrawn);
  s.ledger_seq = r.varint();
  {
    size_t n = r.count();
    s.open.reserve(n);
    for (size_t i = 0; i < n && r.ok(); ++i) {
      uint64_t key = r.varint();
      worker_state::open_entry e;
      e.status = get_assignment_status(r);
      e.since = r.svarint();
      if (!s.open.emplace(key, e).second)
        r.duplicate("open assignment");
    }
  }
  {
    size_t n = r.count();
    s.finished.reserve(n);
    for (size_t i = 0; i < n && r.ok(); ++i)
      if (!s.finished.insert(r.varint()).second)
        r.duplicate("finished assignment");
  }
  for (size_t i = 0, n = r.count(); i < n && r.ok(); ++i)
    s.finished_order.push_back(r.varint());
  s.accepts_in_flight = r.svarint();
  for (size_t i = 0, n = r.count(); i < n && r.ok(); ++i)
    get(r, s.notifications.emplace_back());
  {
    size_t n = r.count();
    s.accept_tokens.reserve(n);
    for (size_t i = 0; i < n && r.ok(); ++i) {
      auto token = r.str();
      std::pair<assignment_view, timestamp> first;
      get(r, first.first);
      first.second = r.svarint();
      if (!s.accept_tokens.emplace(std::move(token), std::move(first)).second)
        r.duplicate("accept token");
    }
  }
  {
    size_t n = r.count();
    s.withdraw_tokens.reserve(n);
    for (size_t i = 0; i < n && r.ok(); ++i) {
      auto token = r.str();
      timestamp t = r.svarint();
      if (!s.withdraw_tokens.emplace(std::move(token), t).second)
        r.duplicate("withdraw token");
    }
  }
  s.last_prune = r.svarint();
}

// The plain integer values.
void put(writer& w, const uint64_t& v) { w.varint(v); }
void get(reader& r, uint64_t& v) { v = r.varint(); }
void put(writer& w, const timestamp& v) { w.svarint(v); }
void get(reader& r, timestamp& v) { v = r.svarint(); }

void put(writer&, const deadline_mark&) {}
void get(reader&, deadline_mark&) {}

void put(writer& w, const request_token_record& t) {
  w.varint(t.hit);
  w.svarint(t.time);
  w.varint(t.fingerprint);
}
void get(reader& r, request_token_record& t) {
  t.hit = r.varint();
  t.time = r.svarint();
  t.fingerprint = r.varint();
}

void put(writer& w, const deposit_token_record& t) {
  put(w, t.amount);
  w.svarint(t.time);
}
void get(reader& r, deposit_token_record& t) {
  get(r, t.amount);
  t.time = r.svarint();
}

void put(writer& w, const credential_record& c) {
  w.enumeration(c.kind);
  w.str(c.owner_id);
  w.str(c.secret);
  w.svarint(c.created);
}
void get(reader& r, credential_record& c) {
  c.kind = r.enumeration("credential kind", credential_record::kind_t::worker_token,
                         credential_record::kind_t::requester_access_key);
  c.owner_id = r.str();
  c.secret = r.str();
  c.created = r.svarint();
}

template <class T>
void encode_as(const void* value, std::string& out) {
  writer w{out};
  w.u8(codec_version);
  put(w, *static_cast<const T*>(value));
}

template <class T>
result<record_value> decode_as(record_kind k, std::string_view bytes, const std::string& key) {
  reader r{bytes};
  auto fail = [&](const std::string& why) -> result<record_value> {
    return error{errc::storage_failure,
                 std::string{"corrupt "} + record_kind_name(k) + " record at key " + key_hex(key) + ": " + why};
  };
  uint8_t version = r.u8();
  if (!r.ok())
    return fail("empty value");
  if (version != codec_version)
    return fail("unknown encoding version " + std::to_string(version));
  auto v = std::make_shared<T>();
  get(r, *v);
  if (!r.ok())
    return fail(r.why());
  if (r.left() != 0)
    return fail(std::to_string(r.left()) + " trailing bytes");
  return record_value{std::shared_ptr<const T>(std::move(v))};
}

} // namespace

bool known_kind(record_kind k) {
  switch (k) {
    case record_kind::counter: case record_kind::hit: case record_kind::assignment: case record_kind::bonus:
    case record_kind::worker: case record_kind::requester: case record_kind::requester_hit:
    case record_kind::hit_type: case record_kind::worker_block: case record_kind::qualification_type:
    case record_kind::qualification_grant: case record_kind::ledger_account: case record_kind::ledger_source:
    case record_kind::hit_definition: case record_kind::outbox: case record_kind::deadline:
    case record_kind::qualification_request: case record_kind::requester_hit_type:
    case record_kind::request_token: case record_kind::pending_hold: case record_kind::worker_grant:
    case record_kind::deposit_token: case record_kind::credential: case record_kind::worker_finished:
    case record_kind::qualification_retry:
      return true;
  }
  return false;
}

// One switch per direction over every kind, so that adding a kind without
// its codec is a -Wswitch warning (an error with HITD_WERROR).
void encode_into(record_kind k, const void* value, std::string& out) {
  switch (k) {
    case record_kind::counter: return encode_as<uint64_t>(value, out);
    case record_kind::hit: return encode_as<hit_snapshot>(value, out);
    case record_kind::assignment: return encode_as<assignment_record>(value, out);
    case record_kind::bonus: return encode_as<bonus_record>(value, out);
    case record_kind::worker: return encode_as<worker_state>(value, out);
    case record_kind::requester: return encode_as<requester_snapshot>(value, out);
    case record_kind::requester_hit: return encode_as<requester_hit_entry>(value, out);
    case record_kind::hit_type: return encode_as<hit_type>(value, out);
    case record_kind::worker_block: return encode_as<worker_block>(value, out);
    case record_kind::qualification_type: return encode_as<qualification_type_view>(value, out);
    case record_kind::qualification_grant: return encode_as<qualification_grant>(value, out);
    case record_kind::ledger_account: return encode_as<money>(value, out);
    case record_kind::ledger_source: return encode_as<uint64_t>(value, out);
    case record_kind::hit_definition: return encode_as<hit_definition>(value, out);
    case record_kind::outbox: return encode_as<outbox_entry>(value, out);
    case record_kind::deadline: return encode_as<deadline_mark>(value, out);
    case record_kind::qualification_request: return encode_as<qualification_request_view>(value, out);
    case record_kind::requester_hit_type: return encode_as<hit_type>(value, out);
    case record_kind::request_token: return encode_as<request_token_record>(value, out);
    case record_kind::pending_hold: return encode_as<deadline_mark>(value, out);
    case record_kind::credential: return encode_as<credential_record>(value, out);
    case record_kind::worker_grant: return encode_as<qualification_grant>(value, out);
    case record_kind::deposit_token: return encode_as<deposit_token_record>(value, out);
    case record_kind::worker_finished: return encode_as<uint64_t>(value, out);
    case record_kind::qualification_retry: return encode_as<timestamp>(value, out);
  }
}

std::string encode(record_kind k, const void* value) {
  std::string out;
  encode_into(k, value, out);
  return out;
}

result<record_value> decode(record_kind k, std::string_view bytes, const std::string& key_for_errors) {
  switch (k) {
    case record_kind::counter: return decode_as<uint64_t>(k, bytes, key_for_errors);
    case record_kind::hit: return decode_as<hit_snapshot>(k, bytes, key_for_errors);
    case record_kind::assignment: return decode_as<assignment_record>(k, bytes, key_for_errors);
    case record_kind::bonus: return decode_as<bonus_record>(k, bytes, key_for_errors);
    case record_kind::worker: return decode_as<worker_state>(k, bytes, key_for_errors);
    case record_kind::requester: return decode_as<requester_snapshot>(k, bytes, key_for_errors);
    case record_kind::requester_hit: return decode_as<requester_hit_entry>(k, bytes, key_for_errors);
    case record_kind::hit_type: return decode_as<hit_type>(k, bytes, key_for_errors);
    case record_kind::worker_block: return decode_as<worker_block>(k, bytes, key_for_errors);
    case record_kind::qualification_type: return decode_as<qualification_type_view>(k, bytes, key_for_errors);
    case record_kind::qualification_grant: return decode_as<qualification_grant>(k, bytes, key_for_errors);
    case record_kind::ledger_account: return decode_as<money>(k, bytes, key_for_errors);
    case record_kind::ledger_source: return decode_as<uint64_t>(k, bytes, key_for_errors);
    case record_kind::hit_definition: return decode_as<hit_definition>(k, bytes, key_for_errors);
    case record_kind::outbox: return decode_as<outbox_entry>(k, bytes, key_for_errors);
    case record_kind::deadline: return decode_as<deadline_mark>(k, bytes, key_for_errors);
    case record_kind::qualification_request: return decode_as<qualification_request_view>(k, bytes, key_for_errors);
    case record_kind::requester_hit_type: return decode_as<hit_type>(k, bytes, key_for_errors);
    case record_kind::request_token: return decode_as<request_token_record>(k, bytes, key_for_errors);
    case record_kind::pending_hold: return decode_as<deadline_mark>(k, bytes, key_for_errors);
    case record_kind::credential: return decode_as<credential_record>(k, bytes, key_for_errors);
    case record_kind::worker_grant: return decode_as<qualification_grant>(k, bytes, key_for_errors);
    case record_kind::deposit_token: return decode_as<deposit_token_record>(k, bytes, key_for_errors);
    case record_kind::worker_finished: return decode_as<uint64_t>(k, bytes, key_for_errors);
    case record_kind::qualification_retry: return decode_as<timestamp>(k, bytes, key_for_errors);
  }
  return error{errc::storage_failure, "record of unknown kind " + std::to_string(static_cast<unsigned>(k)) +
                                          " at key " + key_hex(key_for_errors)};
}

} // namespace hitd::storage
