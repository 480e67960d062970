// The requester API's wire: reading inputs with MTurk's checks, and the
// output shapes (HIT, Assignment, QualificationType, ...). Timestamps are
// seconds since the epoch as JSON numbers, as the JSON 1.1 protocol has them.

#include <cmath>
#include <cstdio>

#include "call.hpp"
#include "hitd/ids.hpp"
#include "hitd/limits.hpp"
#include "hitd/names.hpp"

namespace hitd::gateway_mturk {

namespace {

size_t utf8_chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

bool utf8_valid(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size())
      return false;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
        return false;
    i += len;
  }
  return true;
}

json::object locale_json(const locale& l) {
  json::object o;
  o["Country"] = l.country;
  if (!l.subdivision.empty())
    o["Subdivision"] = l.subdivision;
  return o;
}

} // namespace

// ---- input ----------------------------------------------------------------------

void input::fail(errc code, std::string message) {
  if (!err_)
    err_ = hitd::error{code, std::move(message)};
}

bool input::has(std::string_view name) const {
  auto it = o_.find(name);
  return it != o_.end() && !it->value().is_null();
}

const json::value* input::raw(std::string_view name) const {
  auto it = o_.find(name);
  return it == o_.end() || it->value().is_null() ? nullptr : &it->value();
}

const json::value* input::find(std::string_view name, bool required) {
  if (err_)
    return nullptr;
  auto* v = raw(name);
  if (!v && required)
    fail(errc::missing_parameter, std::string{name} + " is required");
  return v;
}

std::optional<std::string> input::string(std::string_view name, bool required, size_t max_chars, size_t min_chars) {
  auto* v = find(name, required);
  if (!v)
    return std::nullopt;
  if (!v->is_string()) {
    fail(errc::invalid_parameter_value, std::string{name} + " must be a string");
    return std::nullopt;
  }
  std::string s{v->as_string()};
  if (!utf8_valid(s)) {
    fail(errc::invalid_parameter_value, std::string{name} + " is not valid UTF-8");
    return std::nullopt;
  }
  auto n = utf8_chars(s);
  if ((max_chars && n > max_chars) || n < min_chars) {
    fail(errc::invalid_parameter_value,
         std::string{name} + " must be " +
             (max_chars ? std::to_string(min_chars) + " to " + std::to_string(max_chars)
                        : "at least " + std::to_string(min_chars)) +
             " characters long");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> input::entity_id(std::string_view name, bool required) {
  auto s = string(name, required, 64, 1);
  if (s && !is_entity_id(*s)) {
    fail(errc::invalid_parameter_value, std::string{name} + " must match ^[A-Z0-9]+$");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> input::customer_id(std::string_view name, bool required) {
  auto s = string(name, required, 64, 1);
  if (s && !is_customer_id(*s)) {
    fail(errc::invalid_parameter_value, std::string{name} + " must match ^A[A-Z0-9]+$");
    return std::nullopt;
  }
  return s;
}

std::optional<int64_t> input::integer(std::string_view name, bool required, int64_t min, int64_t max) {
  auto* v = find(name, required);
  if (!v)
    return std::nullopt;
  std::optional<int64_t> n;
  if (v->is_int64())
    n = v->as_int64();
  else if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX))
    n = static_cast<int64_t>(v->as_uint64());
  else if (v->is_double()) {
    // Integral and within int64 before the cast (a cast of 1e300 is undefined).
    double d = v->as_double();
    if (d >= -9.2e18 && d <= 9.2e18 && std::trunc(d) == d)
      n = static_cast<int64_t>(d);
  }
  if (!n) {
    fail(errc::invalid_parameter_value, std::string{name} + " must be an integer");
    return std::nullopt;
  }
  if (*n < min || *n > max) {
    fail(errc::invalid_parameter_value,
         std::string{name} + " must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> input::boolean(std::string_view name) {
  auto* v = find(name, false);
  if (!v)
    return std::nullopt;
  if (!v->is_bool()) {
    fail(errc::invalid_parameter_value, std::string{name} + " must be true or false");
    return std::nullopt;
  }
  return v->as_bool();
}

std::optional<money> input::amount(std::string_view name, bool required) {
  auto s = string(name, required, 32);
  if (!s)
    return std::nullopt;
  auto m = parse_amount(*s);
  if (!m)
    fail(errc::invalid_parameter_value,
         std::string{name} + " must be an amount like 0.50 (^[0-9]+(\\.)?[0-9]{0,2}$), at most 10000000000.00");
  return m;
}

page_request input::page() {
  page_request p;
  if (auto t = string("NextToken", false, 255, 1))
    p.next_token = *t;
  if (auto n = integer("MaxResults", false, 1, static_cast<int64_t>(limits::page_results_max)))
    p.max_results = static_cast<size_t>(*n);
  return p;
}

std::optional<std::vector<std::string>> input::strings(std::string_view name, bool required, size_t max_items) {
  auto* v = find(name, required);
  if (!v)
    return std::nullopt;
  if (!v->is_array()) {
    fail(errc::invalid_parameter_value, std::string{name} + " must be a list");
    return std::nullopt;
  }
  auto& a = v->as_array();
  if (a.size() > max_items) {
    fail(errc::invalid_parameter_value, std::string{name} + " has more than " + std::to_string(max_items) + " items");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (auto& e : a) {
    if (!e.is_string()) {
      fail(errc::invalid_parameter_value, std::string{name} + " must be a list of strings");
      return std::nullopt;
    }
    out.emplace_back(e.as_string());
  }
  return out;
}

std::optional<std::vector<qualification_requirement>> input::requirements(std::string_view name) {
  auto* v = find(name, false);
  if (!v)
    return std::nullopt;
  if (!v->is_array()) {
    fail(errc::invalid_parameter_value, std::string{name} + " must be a list");
    return std::nullopt;
  }
  auto& a = v->as_array();
  if (a.size() > limits::requirements_per_hit_max) {
    fail(errc::invalid_parameter_value, "a HIT has at most 10 QualificationRequirements");
    return std::nullopt;
  }
  std::vector<qualification_requirement> out;
  for (auto& e : a) {
    if (!e.is_object()) {
      fail(errc::invalid_parameter_value, "each QualificationRequirement must be an object");
      return std::nullopt;
    }
    input r{e.as_object()};
    qualification_requirement q;
    auto id = r.string("QualificationTypeId", true, 64, 1);
    auto cmp = r.string("Comparator", true, 32);
    auto ints = r.raw("IntegerValues");
    auto locs = r.raw("LocaleValues");
    auto preview = r.boolean("RequiredToPreview");
    auto guarded = r.string("ActionsGuarded", false, 32);
    if (!r.ok()) {
      fail(r.error().code, "QualificationRequirements: " + r.error().message);
      return std::nullopt;
    }
    q.qualification_type_id = *id;
    auto c = parse_comparator(*cmp);
    if (!c) {
      fail(errc::invalid_parameter_value, "QualificationRequirements: Comparator \"" + *cmp + "\" is not one of "
                                          "LessThan, LessThanOrEqualTo, GreaterThan, GreaterThanOrEqualTo, EqualTo, "
                                          "NotEqualTo, Exists, DoesNotExist, In, NotIn");
      return std::nullopt;
    }
    q.cmp = *c;
    if (ints) {
      if (!ints->is_array()) {
        fail(errc::invalid_parameter_value, "QualificationRequirements: IntegerValues must be a list of integers");
        return std::nullopt;
      }
      for (auto& x : ints->as_array()) {
        if (!x.is_int64() || x.as_int64() < INT32_MIN || x.as_int64() > INT32_MAX) {
          fail(errc::invalid_parameter_value, "QualificationRequirements: IntegerValues must be 32-bit integers");
          return std::nullopt;
        }
        q.integer_values.push_back(static_cast<int32_t>(x.as_int64()));
      }
    }
    if (locs) {
      if (!locs->is_array()) {
        fail(errc::invalid_parameter_value, "QualificationRequirements: LocaleValues must be a list of Locale");
        return std::nullopt;
      }
      for (auto& x : locs->as_array()) {
        if (!x.is_object()) {
          fail(errc::invalid_parameter_value, "QualificationRequirements: each LocaleValue must be an object");
          return std::nullopt;
        }
        input l{x.as_object()};
        auto country = l.string("Country", true, 2, 2);
        auto sub = l.string("Subdivision", false, 2, 2);
        if (!l.ok()) {
          fail(l.error().code, "QualificationRequirements: LocaleValues: " + l.error().message);
          return std::nullopt;
        }
        q.locale_values.push_back({*country, sub.value_or("")});
      }
    }
    if (guarded) {
      if (auto g = parse_guarded(*guarded)) {
        q.guards = *g;
      } else {
        fail(errc::invalid_parameter_value, "QualificationRequirements: ActionsGuarded must be Accept, "
                                            "PreviewAndAccept or DiscoverPreviewAndAccept");
        return std::nullopt;
      }
    } else if (preview.value_or(false)) {
      q.guards = guarded_action::preview_and_accept;   // the deprecated RequiredToPreview
    }
    out.push_back(std::move(q));
  }
  return out;
}

std::optional<notification_spec> input::notification(std::string_view name, bool required) {
  auto* v = find(name, required);
  if (!v)
    return std::nullopt;
  if (!v->is_object()) {
    fail(errc::invalid_parameter_value, std::string{name} + " must be a NotificationSpecification");
    return std::nullopt;
  }
  input n{v->as_object()};
  notification_spec s;
  auto dest = n.string("Destination", true, 1024, 1);
  auto transport = n.string("Transport", true, 16, 1);
  auto version = n.string("Version", true, 16, 1);
  auto events = n.strings("EventTypes", true, 16);
  if (!n.ok()) {
    fail(n.error().code, std::string{name} + ": " + n.error().message);
    return std::nullopt;
  }
  s.destination = *dest;
  s.transport = *transport;
  s.version = *version;
  s.event_types = *events;
  return s;
}

// ---- output shapes ------------------------------------------------------------------

double epoch_seconds(timestamp t) { return static_cast<double>(t) / 1000.0; }

json::object requirement_json(const qualification_requirement& r) {
  json::object o;
  o["QualificationTypeId"] = r.qualification_type_id;
  o["Comparator"] = comparator_name(r.cmp);
  if (!r.integer_values.empty()) {
    json::array a;
    for (auto v : r.integer_values)
      a.emplace_back(v);
    o["IntegerValues"] = std::move(a);
  }
  if (!r.locale_values.empty()) {
    json::array a;
    for (auto& l : r.locale_values)
      a.emplace_back(locale_json(l));
    o["LocaleValues"] = std::move(a);
  }
  o["RequiredToPreview"] = r.guards != guarded_action::accept;
  o["ActionsGuarded"] = guarded_name(r.guards);
  return o;
}

json::object hit_json(const hit_view& h) {
  json::object o;
  o["HITId"] = h.hit_id;
  o["HITTypeId"] = h.hit_type_id;
  o["HITGroupId"] = h.hit_group_id;
  o["CreationTime"] = epoch_seconds(h.creation_time);
  o["Title"] = h.title;
  o["Description"] = h.description;
  o["Question"] = h.question;
  if (!h.keywords.empty())
    o["Keywords"] = h.keywords;
  o["HITStatus"] = hit_status_name(h.status);
  o["MaxAssignments"] = h.max_assignments;
  o["Reward"] = format_amount(h.reward);
  o["AutoApprovalDelayInSeconds"] = h.auto_approval_delay_s;
  o["Expiration"] = epoch_seconds(h.expiration);
  o["AssignmentDurationInSeconds"] = h.assignment_duration_s;
  if (!h.requester_annotation.empty())
    o["RequesterAnnotation"] = h.requester_annotation;
  json::array reqs;
  for (auto& r : h.requirements)
    reqs.emplace_back(requirement_json(r));
  o["QualificationRequirements"] = std::move(reqs);
  o["HITReviewStatus"] = review_status_name(h.review_status);
  o["NumberOfAssignmentsPending"] = h.assignments_pending;
  o["NumberOfAssignmentsAvailable"] = h.assignments_available;
  o["NumberOfAssignmentsCompleted"] = h.assignments_completed;
  return o;
}

json::object assignment_json(const assignment_view& a) {
  json::object o;
  o["AssignmentId"] = a.assignment_id;
  o["WorkerId"] = a.worker_id;
  o["HITId"] = a.hit_id;
  o["AssignmentStatus"] = assignment_status_name(a.status);
  if (a.auto_approval_time)
    o["AutoApprovalTime"] = epoch_seconds(*a.auto_approval_time);
  o["AcceptTime"] = epoch_seconds(a.accept_time);
  if (a.submit_time)
    o["SubmitTime"] = epoch_seconds(*a.submit_time);
  if (a.approval_time)
    o["ApprovalTime"] = epoch_seconds(*a.approval_time);
  if (a.rejection_time)
    o["RejectionTime"] = epoch_seconds(*a.rejection_time);
  o["Deadline"] = epoch_seconds(a.deadline);
  if (!a.answer.empty())
    o["Answer"] = a.answer;
  if (!a.requester_feedback.empty())
    o["RequesterFeedback"] = a.requester_feedback;
  return o;
}

json::object qualification_type_json(const qualification_type_view& q) {
  json::object o;
  o["QualificationTypeId"] = q.qualification_type_id;
  o["CreationTime"] = epoch_seconds(q.creation_time);
  o["Name"] = q.spec.name;
  o["Description"] = q.spec.description;
  if (!q.spec.keywords.empty())
    o["Keywords"] = q.spec.keywords;
  o["QualificationTypeStatus"] = q.spec.status == qualification_type_status::active ? "Active" : "Inactive";
  if (!q.spec.test.empty()) {
    o["Test"] = q.spec.test;
    o["TestDurationInSeconds"] = q.spec.test_duration_s;
  }
  if (!q.spec.answer_key.empty())
    o["AnswerKey"] = q.spec.answer_key;
  if (q.spec.retry_delay_s)
    o["RetryDelayInSeconds"] = *q.spec.retry_delay_s;
  o["IsRequestable"] = q.is_requestable;
  o["AutoGranted"] = q.spec.auto_granted;
  if (q.spec.auto_granted)
    o["AutoGrantedValue"] = q.spec.auto_granted_value;
  return o;
}

json::object qualification_json(const qualification_view& q) {
  json::object o;
  o["QualificationTypeId"] = q.qualification_type_id;
  o["WorkerId"] = q.worker_id;
  o["GrantTime"] = epoch_seconds(q.grant_time);
  if (q.locale_value)
    o["LocaleValue"] = locale_json(*q.locale_value);
  else
    o["IntegerValue"] = q.integer_value;
  o["Status"] = q.status == qualification_status::granted ? "Granted" : "Revoked";
  return o;
}

json::object qualification_request_json(const qualification_request_view& r) {
  json::object o;
  o["QualificationRequestId"] = r.qualification_request_id;
  o["QualificationTypeId"] = r.qualification_type_id;
  o["WorkerId"] = r.worker_id;
  if (!r.test.empty())
    o["Test"] = r.test;
  if (!r.answer.empty())
    o["Answer"] = r.answer;
  o["SubmitTime"] = epoch_seconds(r.submit_time);
  return o;
}

json::object bonus_json(const bonus_payment& b) {
  json::object o;
  o["WorkerId"] = b.worker_id;
  o["BonusAmount"] = format_amount(b.amount);
  o["AssignmentId"] = b.assignment_id;
  if (!b.reason.empty())
    o["Reason"] = b.reason;
  o["GrantTime"] = epoch_seconds(b.grant_time);
  return o;
}

json::object notification_json(const notification_spec& s) {
  json::object o;
  o["Destination"] = s.destination;
  o["Transport"] = s.transport;
  o["Version"] = s.version;
  json::array a;
  for (auto& e : s.event_types)
    a.emplace_back(json::string(e));
  o["EventTypes"] = std::move(a);
  return o;
}

} // namespace hitd::gateway_mturk
