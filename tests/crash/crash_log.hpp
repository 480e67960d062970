#pragma once
// What the crash worker (crash_worker.cpp) and the crash test (crash_test.cpp)
// share: the fixed parties of the workload, the HIT types, and the ack log.
//
// The ack log is one text file, appended by every run of the worker with
// plain write(2) calls, one whole line per call (O_APPEND: lines never mix).
// A command that moves money or may be retried is logged as an attempt
// ("dep? ...") before it is sent, and every command is logged as acked
// ("dep ...") after its callback said ok. SIGKILL loses nothing that write()
// returned from, so after a kill the log holds every acknowledgement the
// workload saw, and every attempt that may have taken effect. Deadline events
// the worker saw published are logged too ("ev ..."), to count that each
// fired at most once across the runs. Lines, by first word:
//
//   run K T                     run K started with its clock at T
//   requester R | worker W      the party exists (created now or before)
//   type R K T                  requester R's HIT type of kind K is T
//   qtype R Q                   requester R's qualification type is Q
//   dep? R AMOUNT TOKEN         deposit (attempt / acked)
//   wd? W AMOUNT KEY            withdrawal (attempt / acked)
//   hit? R TOKEN                a create with a token (the request follows from the token)
//   hit H R MAX TOKEN           a HIT created with MAX assignments (TOKEN or -)
//   add? H N TOKEN              additional assignments (attempt / acked)
//   acc? W TARGET KEY           accept of a HIT or (T...) the next of a group, with a key
//   acc S W H R KEY             assignment S of HIT H (requester R) accepted (KEY or -)
//   sub? S, ret? S, apr? S, ovr? S, rej? S   submit, return, approve, override, reject
//   bon? S W R AMOUNT TOKEN     bonus (attempt / acked: "bon S AMOUNT TOKEN")
//   ext? H, ext H               extend (attempt / acked)
//   exp H, del H                expired now, deleted
//   blk? R W ON                 block (1) or unblock (0) (attempt / acked)
//   grt? R Q W V                grant value V, or revoke (V = -1) (attempt / acked)
//   ev ab S | ev ap S | ev rt S | ev ex H   abandoned, approved, returned, expired (published)
//   no TOKEN                    the command with this token or key was answered with an
//                               error: it had no effect (engine.hpp), and is not retried
//
// The acked form of every "X?" line is "X" with the same fields.

#include <hitd/hitd.hpp>

#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace hitd::crash {

// 2026-01-01T00:00:00Z: where the first run's clock starts.
inline constexpr timestamp base_time = 1'767'225'600'000;

inline constexpr int requester_count = 5;
inline constexpr int worker_count = 30;
inline constexpr int type_kinds = 5;
inline constexpr int64_t initial_deposit_cents = 30'000;

inline std::string requester_id(int i) { return "ACRASHR" + std::to_string(i); }
inline std::string worker_id(int i) { return "ACRASHW" + std::to_string(i); }
// Most workers registered long ago (they may withdraw); every fifth is on
// probation for the whole test.
inline timestamp worker_registered(int i) { return i % 5 == 4 ? base_time - days(2) : base_time - days(30); }
inline locale worker_locale(int i) {
  static const locale locales[] = {{"US", "WA"}, {"US", ""}, {"CA", ""}, {"GB", ""}, {"IN", ""}, {"DE", ""}, {"", ""}};
  return locales[static_cast<size_t>(i) % std::size(locales)];
}
inline std::string qualification_name(const std::string& requester) { return "Crash skill " + requester; }

// The HIT types: short durations, so that under the worker's fast clock
// abandonments, auto-approvals and expiries fall due within a run and while
// the engine is down. Kind 4 needs the requester's own qualification.
inline hit_properties type_props(int kind, const std::string& qualification_type_id) {
  namespace sq = system_qualification;
  hit_properties p;
  p.title = "Crash task " + std::to_string(kind);
  p.description = "A task of the crash test";
  p.keywords = "crash";
  qualification_requirement locale_req;
  locale_req.qualification_type_id = std::string{sq::locale};
  switch (kind) {
    case 0:
      p.reward = cents(7);
      p.assignment_duration_s = 60;
      p.auto_approval_delay_s = 120;
      break;
    case 1:
      p.reward = cents(13);
      p.assignment_duration_s = 300;
      p.auto_approval_delay_s = 600;
      locale_req.cmp = comparator::equal_to;
      locale_req.locale_values = {{"US", ""}};
      p.requirements = {locale_req};
      break;
    case 2:   // approved at once on submit
      p.reward = cents(25);
      p.assignment_duration_s = 120;
      p.auto_approval_delay_s = 0;
      locale_req.cmp = comparator::in;
      locale_req.locale_values = {{"US", ""}, {"CA", ""}, {"GB", ""}};
      p.requirements = {locale_req};
      break;
    case 3: {
      p.reward = cents(50);
      p.assignment_duration_s = 600;
      p.auto_approval_delay_s = 300;
      qualification_requirement rate;
      rate.qualification_type_id = std::string{sq::percent_assignments_approved};
      rate.cmp = comparator::greater_than_or_equal_to;
      rate.integer_values = {60};
      p.requirements = {rate};
      break;
    }
    default: {
      p.reward = cents(40);
      p.assignment_duration_s = 180;
      p.auto_approval_delay_s = 240;
      qualification_requirement own;
      own.qualification_type_id = qualification_type_id;
      own.cmp = comparator::greater_than_or_equal_to;
      own.integer_values = {50};
      p.requirements = {own};
      break;
    }
  }
  return p;
}

// ---- the log, read back ------------------------------------------------------------------

inline std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

inline int64_t to_i64(const std::string& s) { return std::stoll(s); }

// A command that moves money or may be retried, by its token or key.
struct money_op {
  std::string owner;   // requester (deposit) or worker (withdrawal)
  int64_t amount = 0;
  bool acked = false;
};

struct hit_facts {
  std::string requester;
  int64_t max = 0;                               // as created (acked)
  std::map<std::string, int64_t> adds_tried;     // token -> n
  std::set<std::string> adds_acked;
  bool deleted = false;                          // a delete was acked
  bool expired_now = false;                      // an expire-now was acked
};

struct assignment_facts {
  std::string worker, hit, requester;
  bool submit_tried = false, submitted = false;
  bool return_tried = false, returned = false;
  bool approve_tried = false, approved = false;
  bool reject_tried = false, rejected = false;
  bool override_tried = false, overridden = false;
};

struct bonus_op {
  std::string assignment, worker, requester;
  int64_t amount = 0;
  bool acked = false;
};

struct accept_try {
  std::string worker, target;
};

struct model {
  int runs = 0;
  int64_t lines = 0, acks = 0, attempts = 0, events = 0;
  std::set<std::string> requesters, workers;
  std::map<std::string, std::map<int, std::string>> types;   // requester -> kind -> type id
  std::map<std::string, std::string> qtypes;                 // requester -> qualification type id
  std::map<std::string, money_op> deposits;                  // token -> deposit
  std::map<std::string, money_op> withdrawals;               // key -> withdrawal
  std::map<std::string, std::string> create_tries;           // token -> requester
  std::map<std::string, std::set<std::string>> create_tokens;   // token -> HITs acked for it
  std::map<std::string, hit_facts> hits;                     // acked creates
  std::map<std::string, assignment_facts> assignments;       // acked accepts
  std::map<std::string, accept_try> accept_tries;            // key -> accept
  std::map<std::string, std::set<std::string>> accept_keys;  // key -> assignments acked for it
  std::map<std::string, bonus_op> bonuses;                   // token -> bonus
  // Block state of (requester, worker) and grant value of (type, worker)
  // (-1: none or revoked) that the engine may hold: the last acked one,
  // plus any attempted after it.
  std::map<std::pair<std::string, std::string>, std::set<int>> blocks;
  std::map<std::pair<std::string, std::string>, std::set<int>> grants;
  // Deadline (and return) events seen published, by assignment or HIT.
  std::map<std::string, int> abandoned_events, approved_events, returned_events, expired_events;
  std::set<std::string> extend_tried;   // HITs maybe extended (they may expire again)
  std::set<std::string> refused;        // tokens and keys of commands answered with an error

  void apply(const std::vector<std::string>& f) {
    if (f.empty())
      return;
    const auto& v = f[0];
    const bool attempt = v.back() == '?';
    if (attempt)
      ++attempts;
    else if (v != "ev" && v != "run" && v != "no")
      ++acks;
    auto need = [&](size_t n) { return f.size() >= n; };
    if (v == "run" && need(3)) {
      ++runs;
    } else if (v == "requester" && need(2)) {
      requesters.insert(f[1]);
    } else if (v == "worker" && need(2)) {
      workers.insert(f[1]);
    } else if (v == "type" && need(4)) {
      types[f[1]][static_cast<int>(to_i64(f[2]))] = f[3];
    } else if (v == "qtype" && need(3)) {
      qtypes[f[1]] = f[2];
    } else if ((v == "dep?" || v == "dep") && need(4)) {
      auto& d = deposits[f[3]];
      d.owner = f[1];
      d.amount = to_i64(f[2]);
      d.acked |= !attempt;
    } else if ((v == "wd?" || v == "wd") && need(4)) {
      auto& d = withdrawals[f[3]];
      d.owner = f[1];
      d.amount = to_i64(f[2]);
      d.acked |= !attempt;
    } else if (v == "hit?" && need(3)) {
      create_tries[f[2]] = f[1];
    } else if (v == "hit" && need(5)) {
      auto& h = hits[f[1]];
      h.requester = f[2];
      h.max = to_i64(f[3]);
      if (f[4] != "-")
        create_tokens[f[4]].insert(f[1]);
    } else if ((v == "add?" || v == "add") && need(4)) {
      auto& h = hits[f[1]];
      h.adds_tried[f[3]] = to_i64(f[2]);
      if (!attempt)
        h.adds_acked.insert(f[3]);
    } else if (v == "acc?" && need(4)) {
      accept_tries[f[3]] = {f[1], f[2]};
    } else if (v == "acc" && need(6)) {
      auto& a = assignments[f[1]];
      a.worker = f[2];
      a.hit = f[3];
      a.requester = f[4];
      if (f[5] != "-")
        accept_keys[f[5]].insert(f[1]);
    } else if ((v == "sub?" || v == "sub" || v == "ret?" || v == "ret" || v == "apr?" || v == "apr" || v == "ovr?" ||
                v == "ovr" || v == "rej?" || v == "rej") &&
               need(2)) {
      auto& a = assignments[f[1]];
      switch (v[0]) {
        case 's': (attempt ? a.submit_tried : a.submitted) = true; break;
        case 'r': (v[1] == 'e' && v[2] == 't' ? (attempt ? a.return_tried : a.returned)
                                              : (attempt ? a.reject_tried : a.rejected)) = true; break;
        case 'a': (attempt ? a.approve_tried : a.approved) = true; break;
        case 'o': (attempt ? a.override_tried : a.overridden) = true; break;
        default: break;
      }
    } else if (v == "bon?" && need(6)) {
      auto& b = bonuses[f[5]];
      b.assignment = f[1];
      b.worker = f[2];
      b.requester = f[3];
      b.amount = to_i64(f[4]);
    } else if (v == "bon" && need(4)) {
      bonuses[f[3]].acked = true;
    } else if ((v == "ext?" || v == "ext") && need(2)) {
      extend_tried.insert(f[1]);
    } else if (v == "exp" && need(2)) {
      hits[f[1]].expired_now = true;
    } else if (v == "del" && need(2)) {
      hits[f[1]].deleted = true;
    } else if ((v == "blk?" || v == "blk") && need(4)) {
      auto& s = blocks[{f[1], f[2]}];
      int on = static_cast<int>(to_i64(f[3]));
      if (attempt) {
        if (s.empty())
          s.insert(0);   // never blocked before this attempt
        s.insert(on);
      } else {
        s = {on};
      }
    } else if ((v == "grt?" || v == "grt") && need(5)) {
      auto& s = grants[{f[2], f[3]}];
      int value = static_cast<int>(to_i64(f[4]));
      if (attempt) {
        if (s.empty())
          s.insert(-1);
        s.insert(value);
      } else {
        s = {value};
      }
    } else if (v == "no" && need(2)) {
      refused.insert(f[1]);
    } else if (v == "ev" && need(3)) {
      ++events;
      if (f[1] == "ab")
        ++abandoned_events[f[2]];
      else if (f[1] == "ap")
        ++approved_events[f[2]];
      else if (f[1] == "rt")
        ++returned_events[f[2]];
      else if (f[1] == "ex")
        ++expired_events[f[2]];
    }
  }
};

// Reads the log; a last line without its newline (cut by the kill) is left out.
inline model read_log(const std::string& path) {
  model m;
  std::ifstream in(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = 0;
  while (at < all.size()) {
    auto end = all.find('\n', at);
    if (end == std::string::npos)
      break;
    ++m.lines;
    m.apply(split(all.substr(at, end - at)));
    at = end + 1;
  }
  return m;
}

} // namespace hitd::crash
