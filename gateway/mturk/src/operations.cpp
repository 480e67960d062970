// The 39 operations of MTurk's requester API (2017-01-17), each: read and
// check the input (input, wire.cpp), call the engine's callback overload,
// answer with the output shape. docs/mturk-compat.md lists what differs.

#include <algorithm>
#include <cmath>

#include "call.hpp"
#include "hitd/limits.hpp"
#include "question.hpp"

namespace hitd::gateway_mturk {

namespace {

// The engine's answer: fail the call with its error, or go on with f.
template <class T, class F>
callback<T> then(const call_ptr& c, F f) {
  return [c, f = std::move(f)](result<T> r) {
    if (!r.ok())
      return c->fail(r.err());
    f(std::move(*r));
  };
}

// For commands whose output is empty.
callback<done> empty_reply(const call_ptr& c) {
  return then<done>(c, [c](done) { c->reply({}); });
}

// Returns false (and fails the call) when the input had a problem.
bool checked(const call_ptr& c, const input& in) {
  if (in.ok())
    return true;
  c->fail(in.error());
  return false;
}

template <class T, class F>
json::object page_json(const hitd::page<T>& p, std::string_view member, F to_json) {
  json::object o;
  json::array a;
  for (auto& item : p.items)
    a.emplace_back(to_json(item));
  if (!p.next_token.empty())
    o["NextToken"] = p.next_token;
  o["NumResults"] = static_cast<int64_t>(p.items.size());
  o[member] = std::move(a);
  return o;
}

// Refuses the review policy and HIT layout members: hitd does not have them.
bool refuse_unsupported(const call_ptr& c, const input& in) {
  for (auto name : {"AssignmentReviewPolicy", "HITReviewPolicy", "HITLayoutId", "HITLayoutParameters"}) {
    if (in.has(name)) {
      c->fail(errc::operation_not_supported,
              std::string{name} + " is not supported by hitd (no review policies or HIT layouts; "
                                  "see docs/mturk-compat.md): give the Question instead");
      return false;
    }
  }
  return true;
}

// The HIT type fields CreateHIT and CreateHITType share.
std::optional<hit_properties> read_properties(input& in) {
  hit_properties p;
  auto title = in.string("Title", true, limits::title_chars_max, 1);
  auto description = in.string("Description", true, limits::description_chars_max, 1);
  auto keywords = in.string("Keywords", false, limits::keywords_chars_max);
  auto reward = in.amount("Reward", true);
  auto duration = in.integer("AssignmentDurationInSeconds", true, limits::assignment_duration_s_min,
                             limits::assignment_duration_s_max);
  auto auto_approval = in.integer("AutoApprovalDelayInSeconds", false, 0, limits::auto_approval_delay_s_max);
  auto reqs = in.requirements("QualificationRequirements");
  if (!in.ok())
    return std::nullopt;
  p.title = *title;
  p.description = *description;
  p.keywords = keywords.value_or("");
  p.reward = *reward;
  p.assignment_duration_s = *duration;
  p.auto_approval_delay_s = auto_approval.value_or(limits::auto_approval_delay_s_default);
  p.requirements = reqs.value_or(std::vector<qualification_requirement>{});
  return p;
}

// CreateHIT and CreateHITWithHITType: the per-HIT fields.
bool read_hit_fields(input& in, create_hit_request& req) {
  auto max_assignments = in.integer("MaxAssignments", false, limits::max_assignments_min, limits::max_assignments_max);
  auto lifetime = in.integer("LifetimeInSeconds", true, limits::lifetime_s_min, limits::lifetime_s_max);
  auto question = in.string("Question", true);
  auto annotation = in.string("RequesterAnnotation", false, limits::annotation_chars_max);
  auto token = in.token("UniqueRequestToken");
  if (!in.ok())
    return false;
  if (auto why = check_question(*question); !why.empty()) {
    in.fail(errc::invalid_parameter_value, "Question: " + why);
    return false;
  }
  req.max_assignments = max_assignments.value_or(1);
  req.lifetime_s = *lifetime;
  req.question = std::move(*question);
  req.requester_annotation = annotation.value_or("");
  req.unique_request_token = token.value_or("");
  return true;
}

std::optional<qualification_type_status> read_type_status(input& in, bool required) {
  auto s = in.string("QualificationTypeStatus", required, 16);
  if (!s)
    return std::nullopt;
  if (*s == "Active")
    return qualification_type_status::active;
  if (*s == "Inactive")
    return qualification_type_status::inactive;
  in.fail(errc::invalid_parameter_value, "QualificationTypeStatus must be Active or Inactive");
  return std::nullopt;
}

// ---- HITs ---------------------------------------------------------------------------------------

void create_hit(const call_ptr& c) {
  input in{c->input};
  if (!refuse_unsupported(c, in))
    return;
  create_hit_request req;
  req.requester_id = c->requester_id;
  auto props = read_properties(in);
  if (in.ok())
    read_hit_fields(in, req);
  if (!checked(c, in))
    return;
  req.properties = std::move(*props);
  c->engine().create_hit(std::move(req), then<hit_view>(c, [c](hit_view h) {
    json::object o;
    o["HIT"] = hit_json(h);
    c->reply(o);
  }));
}

void create_hit_type(const call_ptr& c) {
  input in{c->input};
  auto props = read_properties(in);
  if (!checked(c, in))
    return;
  c->engine().create_hit_type(c->requester_id, std::move(*props), then<std::string>(c, [c](std::string id) {
    json::object o;
    o["HITTypeId"] = id;
    c->reply(o);
  }));
}

void create_hit_with_hit_type(const call_ptr& c) {
  input in{c->input};
  if (!refuse_unsupported(c, in))
    return;
  create_hit_request req;
  req.requester_id = c->requester_id;
  auto type = in.entity_id("HITTypeId", true);
  if (in.ok())
    read_hit_fields(in, req);
  if (!checked(c, in))
    return;
  req.hit_type_id = *type;
  c->engine().create_hit(std::move(req), then<hit_view>(c, [c](hit_view h) {
    json::object o;
    o["HIT"] = hit_json(h);
    c->reply(o);
  }));
}

void get_hit(const call_ptr& c) {
  input in{c->input};
  auto id = in.entity_id("HITId", true);
  if (!checked(c, in))
    return;
  c->engine().get_hit(c->requester_id, *id, then<hit_view>(c, [c](hit_view h) {
    json::object o;
    o["HIT"] = hit_json(h);
    c->reply(o);
  }));
}

void list_hits(const call_ptr& c) {
  input in{c->input};
  auto page = in.page();
  if (!checked(c, in))
    return;
  c->engine().list_hits(c->requester_id, page, then<hitd::page<hit_view>>(c, [c](hitd::page<hit_view> p) {
    c->reply(page_json(p, "HITs", hit_json));
  }));
}

void list_reviewable_hits(const call_ptr& c) {
  input in{c->input};
  auto type = in.entity_id("HITTypeId", false);
  auto status = in.string("Status", false, 16);
  auto page = in.page();
  if (status && *status != "Reviewable" && *status != "Reviewing")
    in.fail(errc::invalid_parameter_value, "Status must be Reviewable or Reviewing");
  if (!checked(c, in))
    return;
  c->engine().list_reviewable_hits(c->requester_id, type.value_or(""), status && *status == "Reviewing", page,
                                   then<hitd::page<hit_view>>(c, [c](hitd::page<hit_view> p) {
                                     c->reply(page_json(p, "HITs", hit_json));
                                   }));
}

void update_expiration_for_hit(const call_ptr& c) {
  input in{c->input};
  auto id = in.entity_id("HITId", true);
  auto* at = in.raw("ExpireAt");
  if (in.ok() && !at)
    in.fail(errc::missing_parameter, "ExpireAt is required");
  if (!checked(c, in))
    return;
  if (!at->is_number()) {
    c->fail(errc::invalid_parameter_value, "ExpireAt must be a timestamp (seconds since the epoch)");
    return;
  }
  double s = at->to_number<double>();
  if (!std::isfinite(s) || s < 0 || s > 253'402'300'799.0) {   // 9999-12-31T23:59:59Z
    c->fail(errc::invalid_parameter_value, "ExpireAt is out of range");
    return;
  }
  c->engine().update_expiration(c->requester_id, *id, static_cast<timestamp>(std::llround(s * 1000.0)),
                                empty_reply(c));
}

void update_hit_review_status(const call_ptr& c) {
  input in{c->input};
  auto id = in.entity_id("HITId", true);
  auto revert = in.boolean("Revert");
  if (!checked(c, in))
    return;
  c->engine().update_hit_review_status(c->requester_id, *id, revert.value_or(false), empty_reply(c));
}

void update_hit_type_of_hit(const call_ptr& c) {
  input in{c->input};
  auto id = in.entity_id("HITId", true);
  auto type = in.entity_id("HITTypeId", true);
  if (!checked(c, in))
    return;
  c->engine().update_hit_type_of_hit(c->requester_id, *id, *type, empty_reply(c));
}

void create_additional_assignments_for_hit(const call_ptr& c) {
  input in{c->input};
  auto id = in.entity_id("HITId", true);
  auto n = in.integer("NumberOfAdditionalAssignments", true, 1, limits::max_assignments_max);
  auto token = in.token("UniqueRequestToken");
  if (!checked(c, in))
    return;
  c->engine().create_additional_assignments(c->requester_id, *id, *n, token.value_or(""), empty_reply(c));
}

void delete_hit(const call_ptr& c) {
  input in{c->input};
  auto id = in.entity_id("HITId", true);
  if (!checked(c, in))
    return;
  c->engine().delete_hit(c->requester_id, *id, empty_reply(c));
}

// ---- assignments and bonuses ---------------------------------------------------------------------

void get_assignment(const call_ptr& c) {
  input in{c->input};
  auto id = in.entity_id("AssignmentId", true);
  if (!checked(c, in))
    return;
  c->engine().get_assignment(c->requester_id, *id, then<assignment_with_hit>(c, [c](assignment_with_hit a) {
    json::object o;
    o["Assignment"] = assignment_json(a.assignment);
    o["HIT"] = hit_json(a.hit);
    c->reply(o);
  }));
}

void list_assignments_for_hit(const call_ptr& c) {
  input in{c->input};
  auto id = in.entity_id("HITId", true);
  auto statuses = in.strings("AssignmentStatuses", false, 3);
  auto page = in.page();
  std::vector<assignment_status> wanted;
  for (auto& s : statuses.value_or(std::vector<std::string>{})) {
    if (s == "Submitted")
      wanted.push_back(assignment_status::submitted);
    else if (s == "Approved")
      wanted.push_back(assignment_status::approved);
    else if (s == "Rejected")
      wanted.push_back(assignment_status::rejected);
    else
      in.fail(errc::invalid_parameter_value, "AssignmentStatuses may hold Submitted, Approved and Rejected");
  }
  if (!checked(c, in))
    return;
  c->engine().list_assignments_for_hit(c->requester_id, *id, std::move(wanted), page,
                                       then<hitd::page<assignment_view>>(c, [c](hitd::page<assignment_view> p) {
                                         c->reply(page_json(p, "Assignments", assignment_json));
                                       }));
}

void approve_assignment(const call_ptr& c) {
  input in{c->input};
  approve_request req;
  req.requester_id = c->requester_id;
  auto id = in.entity_id("AssignmentId", true);
  auto feedback = in.string("RequesterFeedback", false, limits::feedback_chars_max);
  auto override_rejection = in.boolean("OverrideRejection");
  if (!checked(c, in))
    return;
  req.assignment_id = *id;
  req.feedback = feedback.value_or("");
  req.override_rejection = override_rejection.value_or(false);
  c->engine().approve_assignment(std::move(req), empty_reply(c));
}

void reject_assignment(const call_ptr& c) {
  input in{c->input};
  auto id = in.entity_id("AssignmentId", true);
  auto feedback = in.string("RequesterFeedback", true, limits::feedback_chars_max);
  if (!checked(c, in))
    return;
  c->engine().reject_assignment(c->requester_id, *id, *feedback, empty_reply(c));
}

void send_bonus(const call_ptr& c) {
  input in{c->input};
  bonus_request req;
  req.requester_id = c->requester_id;
  auto worker = in.customer_id("WorkerId", true);
  auto amount = in.amount("BonusAmount", true);
  auto assignment = in.entity_id("AssignmentId", true);
  auto reason = in.string("Reason", true, limits::reason_chars_max);
  auto token = in.token("UniqueRequestToken");
  if (!checked(c, in))
    return;
  req.worker_id = *worker;
  req.amount = *amount;
  req.assignment_id = *assignment;
  req.reason = *reason;
  req.unique_request_token = token.value_or("");
  c->engine().send_bonus(std::move(req), empty_reply(c));
}

void list_bonus_payments(const call_ptr& c) {
  input in{c->input};
  auto hit = in.entity_id("HITId", false);
  auto assignment = in.entity_id("AssignmentId", false);
  auto page = in.page();
  if (in.ok() && hit.has_value() == assignment.has_value())
    in.fail(errc::invalid_parameter_value, "give either HITId or AssignmentId");
  if (!checked(c, in))
    return;
  c->engine().list_bonus_payments(c->requester_id, hit.value_or(""), assignment.value_or(""), page,
                                  then<hitd::page<bonus_payment>>(c, [c](hitd::page<bonus_payment> p) {
                                    c->reply(page_json(p, "BonusPayments", bonus_json));
                                  }));
}

// ---- workers -------------------------------------------------------------------------------------

void create_worker_block(const call_ptr& c) {
  input in{c->input};
  auto worker = in.customer_id("WorkerId", true);
  auto reason = in.string("Reason", true, limits::reason_chars_max);
  if (!checked(c, in))
    return;
  c->engine().create_worker_block(c->requester_id, *worker, *reason, empty_reply(c));
}

void delete_worker_block(const call_ptr& c) {
  input in{c->input};
  auto worker = in.customer_id("WorkerId", true);
  auto reason = in.string("Reason", false, limits::reason_chars_max);
  if (!checked(c, in))
    return;
  c->engine().delete_worker_block(c->requester_id, *worker, reason.value_or(""), empty_reply(c));
}

void list_worker_blocks(const call_ptr& c) {
  input in{c->input};
  auto page = in.page();
  if (!checked(c, in))
    return;
  c->engine().list_worker_blocks(c->requester_id, page, then<hitd::page<worker_block>>(c, [c](hitd::page<worker_block> p) {
    c->reply(page_json(p, "WorkerBlocks", [](const worker_block& b) {
      json::object o;
      o["WorkerId"] = b.worker_id;
      o["Reason"] = b.reason;
      return o;
    }));
  }));
}

void notify_workers(const call_ptr& c) {
  input in{c->input};
  auto subject = in.string("Subject", true, limits::notify_subject_chars_max, 1);
  auto text = in.string("MessageText", true, limits::notify_message_chars_max, 1);
  auto workers = in.strings("WorkerIds", true, limits::notify_workers_per_call_max);
  if (workers) {
    if (workers->empty())
      in.fail(errc::invalid_parameter_value, "WorkerIds must name 1 to 100 workers");
    for (auto& w : *workers)
      if (!is_customer_id(w))
        in.fail(errc::invalid_parameter_value, "WorkerIds must match ^A[A-Z0-9]+$");
  }
  if (!checked(c, in))
    return;
  c->engine().notify_workers(c->requester_id, *subject, *text, std::move(*workers),
                             then<std::vector<notify_failure>>(c, [c](std::vector<notify_failure> failures) {
                               json::array a;
                               for (auto& f : failures) {
                                 json::object o;
                                 o["NotifyWorkersFailureCode"] = f.hard ? "HardFailure" : "SoftFailure";
                                 o["NotifyWorkersFailureMessage"] = f.message;
                                 o["WorkerId"] = f.worker_id;
                                 a.emplace_back(std::move(o));
                               }
                               json::object o;
                               o["NotifyWorkersFailureStatuses"] = std::move(a);
                               c->reply(o);
                             }));
}

// ---- qualification types, grants and requests -------------------------------------------------------

void create_qualification_type(const call_ptr& c) {
  input in{c->input};
  qualification_type_spec spec;
  auto name = in.string("Name", true, limits::qualification_name_chars_max, 1);
  auto keywords = in.string("Keywords", false, limits::keywords_chars_max);
  auto description = in.string("Description", true, limits::description_chars_max, 1);
  auto status = read_type_status(in, true);
  auto retry = in.integer("RetryDelayInSeconds", false, 0, INT32_MAX);
  auto test = in.string("Test", false);
  auto answer_key = in.string("AnswerKey", false);
  auto test_duration = in.integer("TestDurationInSeconds", false, 1, INT32_MAX);
  auto auto_granted = in.boolean("AutoGranted");
  auto auto_value = in.integer("AutoGrantedValue", false, INT32_MIN, INT32_MAX);
  if (in.ok() && test && test->size() > limits::qualification_test_bytes_max)
    in.fail(errc::invalid_parameter_value, "Test is larger than 65535 bytes");
  if (in.ok() && test)
    if (auto why = check_question(*test); !why.empty())
      in.fail(errc::invalid_parameter_value, "Test: " + why);
  if (!checked(c, in))
    return;
  spec.name = *name;
  spec.keywords = keywords.value_or("");
  spec.description = *description;
  spec.status = *status;
  spec.retry_delay_s = retry;
  spec.test = test.value_or("");
  spec.answer_key = answer_key.value_or("");
  spec.test_duration_s = test_duration.value_or(0);
  spec.auto_granted = auto_granted.value_or(false);
  spec.auto_granted_value = static_cast<int32_t>(auto_value.value_or(1));
  c->engine().create_qualification_type(c->requester_id, std::move(spec),
                                        then<qualification_type_view>(c, [c](qualification_type_view q) {
                                          json::object o;
                                          o["QualificationType"] = qualification_type_json(q);
                                          c->reply(o);
                                        }));
}

void get_qualification_type(const call_ptr& c) {
  input in{c->input};
  auto id = in.entity_id("QualificationTypeId", true);
  if (!checked(c, in))
    return;
  c->engine().get_qualification_type(*id, then<qualification_type_view>(c, [c](qualification_type_view q) {
    json::object o;
    o["QualificationType"] = qualification_type_json(q);
    c->reply(o);
  }));
}

void update_qualification_type(const call_ptr& c) {
  input in{c->input};
  qualification_type_update u;
  auto id = in.entity_id("QualificationTypeId", true);
  u.description = in.string("Description", false, limits::description_chars_max, 1);
  u.status = read_type_status(in, false);
  u.test = in.string("Test", false);
  u.answer_key = in.string("AnswerKey", false);
  u.test_duration_s = in.integer("TestDurationInSeconds", false, 1, INT32_MAX);
  u.retry_delay_s = in.integer("RetryDelayInSeconds", false, 0, INT32_MAX);
  u.auto_granted = in.boolean("AutoGranted");
  if (auto v = in.integer("AutoGrantedValue", false, INT32_MIN, INT32_MAX))
    u.auto_granted_value = static_cast<int32_t>(*v);
  if (in.ok() && u.test && u.test->size() > limits::qualification_test_bytes_max)
    in.fail(errc::invalid_parameter_value, "Test is larger than 65535 bytes");
  if (in.ok() && u.test && !u.test->empty())
    if (auto why = check_question(*u.test); !why.empty())
      in.fail(errc::invalid_parameter_value, "Test: " + why);
  if (!checked(c, in))
    return;
  c->engine().update_qualification_type(c->requester_id, *id, std::move(u),
                                        then<qualification_type_view>(c, [c](qualification_type_view q) {
                                          json::object o;
                                          o["QualificationType"] = qualification_type_json(q);
                                          c->reply(o);
                                        }));
}

void delete_qualification_type(const call_ptr& c) {
  input in{c->input};
  auto id = in.entity_id("QualificationTypeId", true);
  if (!checked(c, in))
    return;
  c->engine().delete_qualification_type(c->requester_id, *id, empty_reply(c));
}

void list_qualification_types(const call_ptr& c) {
  input in{c->input};
  auto query = in.string("Query", false, 256);
  auto requestable = in.boolean("MustBeRequestable");
  auto owned = in.boolean("MustBeOwnedByCaller");
  auto page = in.page();
  if (in.ok() && !requestable)
    in.fail(errc::missing_parameter, "MustBeRequestable is required");
  if (!checked(c, in))
    return;
  c->engine().list_qualification_types(
      c->requester_id, query.value_or(""), *requestable, owned.value_or(false), page,
      then<hitd::page<qualification_type_view>>(c, [c](hitd::page<qualification_type_view> p) {
        c->reply(page_json(p, "QualificationTypes", qualification_type_json));
      }));
}

void associate_qualification_with_worker(const call_ptr& c) {
  input in{c->input};
  auto type = in.entity_id("QualificationTypeId", true);
  auto worker = in.customer_id("WorkerId", true);
  auto value = in.integer("IntegerValue", false, INT32_MIN, INT32_MAX);
  auto notify = in.boolean("SendNotification");
  if (!checked(c, in))
    return;
  c->engine().associate_qualification_with_worker(c->requester_id, *type, *worker,
                                                  static_cast<int32_t>(value.value_or(1)), notify.value_or(true),
                                                  empty_reply(c));
}

void disassociate_qualification_from_worker(const call_ptr& c) {
  input in{c->input};
  auto worker = in.customer_id("WorkerId", true);
  auto type = in.entity_id("QualificationTypeId", true);
  auto reason = in.string("Reason", false, limits::reason_chars_max);
  if (!checked(c, in))
    return;
  c->engine().disassociate_qualification_from_worker(c->requester_id, *type, *worker, reason.value_or(""),
                                                     empty_reply(c));
}

void get_qualification_score(const call_ptr& c) {
  input in{c->input};
  auto type = in.entity_id("QualificationTypeId", true);
  auto worker = in.customer_id("WorkerId", true);
  if (!checked(c, in))
    return;
  c->engine().get_qualification_score(c->requester_id, *type, *worker,
                                      then<qualification_view>(c, [c](qualification_view q) {
                                        json::object o;
                                        o["Qualification"] = qualification_json(q);
                                        c->reply(o);
                                      }));
}

void list_workers_with_qualification_type(const call_ptr& c) {
  input in{c->input};
  auto type = in.entity_id("QualificationTypeId", true);
  auto status = in.string("Status", false, 16);
  auto page = in.page();
  std::optional<qualification_status> wanted;
  if (status) {
    if (*status == "Granted")
      wanted = qualification_status::granted;
    else if (*status == "Revoked")
      wanted = qualification_status::revoked;
    else
      in.fail(errc::invalid_parameter_value, "Status must be Granted or Revoked");
  }
  if (!checked(c, in))
    return;
  c->engine().list_workers_with_qualification_type(
      c->requester_id, *type, wanted, page, then<hitd::page<qualification_view>>(c, [c](hitd::page<qualification_view> p) {
        c->reply(page_json(p, "Qualifications", qualification_json));
      }));
}

void list_qualification_requests(const call_ptr& c) {
  input in{c->input};
  auto type = in.entity_id("QualificationTypeId", false);
  auto page = in.page();
  if (!checked(c, in))
    return;
  c->engine().list_qualification_requests(
      c->requester_id, type.value_or(""), page,
      then<hitd::page<qualification_request_view>>(c, [c](hitd::page<qualification_request_view> p) {
        c->reply(page_json(p, "QualificationRequests", qualification_request_json));
      }));
}

void accept_qualification_request(const call_ptr& c) {
  input in{c->input};
  auto id = in.string("QualificationRequestId", true, 64, 1);
  auto value = in.integer("IntegerValue", false, INT32_MIN, INT32_MAX);
  if (!checked(c, in))
    return;
  std::optional<int32_t> v;
  if (value)
    v = static_cast<int32_t>(*value);
  c->engine().accept_qualification_request(c->requester_id, *id, v, empty_reply(c));
}

void reject_qualification_request(const call_ptr& c) {
  input in{c->input};
  auto id = in.string("QualificationRequestId", true, 64, 1);
  auto reason = in.string("Reason", false, limits::reason_chars_max);
  if (!checked(c, in))
    return;
  c->engine().reject_qualification_request(c->requester_id, *id, reason.value_or(""), empty_reply(c));
}

void list_hits_for_qualification_type(const call_ptr& c) {
  input in{c->input};
  auto type = in.entity_id("QualificationTypeId", true);
  auto page = in.page();
  if (!checked(c, in))
    return;
  c->engine().list_hits_for_qualification_type(c->requester_id, *type, page,
                                               then<hitd::page<hit_view>>(c, [c](hitd::page<hit_view> p) {
                                                 c->reply(page_json(p, "HITs", hit_json));
                                               }));
}

// ---- notifications ---------------------------------------------------------------------------------

void update_notification_settings(const call_ptr& c) {
  input in{c->input};
  auto type = in.entity_id("HITTypeId", true);
  auto spec = in.notification("Notification", false);
  auto active = in.boolean("Active");
  if (in.ok() && !spec && !active)
    in.fail(errc::missing_parameter, "give a Notification, Active, or both");
  if (!checked(c, in))
    return;
  if (spec && c->st->notify)
    if (auto v = c->st->notify->validate(*spec); !v.ok())
      return c->fail(v.err());
  std::string hit_type_id = *type;
  c->engine().update_notification_settings(c->requester_id, *type, std::move(spec), active,
                                           then<done>(c, [c, hit_type_id](done) {
                                             if (c->st->notify)
                                               c->st->notify->settings_changed(hit_type_id);
                                             c->reply({});
                                           }));
}

void send_test_event_notification(const call_ptr& c) {
  input in{c->input};
  auto spec = in.notification("Notification", true);
  auto event = in.string("TestEventType", true, 32, 1);
  if (!checked(c, in))
    return;
  if (!c->st->notify)
    return c->fail(errc::operation_not_supported, "this server delivers no notifications");
  c->st->notify->send_test(c->requester_id, *spec, *event, [c](status s) {
    if (!s.ok())
      return c->fail(s.err());
    c->reply({});
  });
}

// ---- money and what hitd does not have ----------------------------------------------------------------

void get_account_balance(const call_ptr& c) {
  c->engine().get_account_balance(c->requester_id, then<account_balance>(c, [c](account_balance b) {
    json::object o;
    o["AvailableBalance"] = format_amount(b.available);
    o["OnHoldBalance"] = format_amount(b.on_hold);
    c->reply(o);
  }));
}

void get_file_upload_url(const call_ptr& c) {
  c->fail(errc::operation_not_supported,
          "GetFileUploadURL is not supported: hitd's workers submit answers over its WebSocket protocol, "
          "with no file uploads (docs/mturk-compat.md)");
}

void list_review_policy_results_for_hit(const call_ptr& c) {
  c->fail(errc::operation_not_supported,
          "ListReviewPolicyResultsForHIT is not supported: hitd has no review policies (docs/mturk-compat.md)");
}

struct named_operation {
  std::string_view name;
  operation_fn fn;
};

// Sorted by name (checked by the API tests through every name).
constexpr named_operation operations[] = {
    {"AcceptQualificationRequest", accept_qualification_request},
    {"ApproveAssignment", approve_assignment},
    {"AssociateQualificationWithWorker", associate_qualification_with_worker},
    {"CreateAdditionalAssignmentsForHIT", create_additional_assignments_for_hit},
    {"CreateHIT", create_hit},
    {"CreateHITType", create_hit_type},
    {"CreateHITWithHITType", create_hit_with_hit_type},
    {"CreateQualificationType", create_qualification_type},
    {"CreateWorkerBlock", create_worker_block},
    {"DeleteHIT", delete_hit},
    {"DeleteQualificationType", delete_qualification_type},
    {"DeleteWorkerBlock", delete_worker_block},
    {"DisassociateQualificationFromWorker", disassociate_qualification_from_worker},
    {"GetAccountBalance", get_account_balance},
    {"GetAssignment", get_assignment},
    {"GetFileUploadURL", get_file_upload_url},
    {"GetHIT", get_hit},
    {"GetQualificationScore", get_qualification_score},
    {"GetQualificationType", get_qualification_type},
    {"ListAssignmentsForHIT", list_assignments_for_hit},
    {"ListBonusPayments", list_bonus_payments},
    {"ListHITs", list_hits},
    {"ListHITsForQualificationType", list_hits_for_qualification_type},
    {"ListQualificationRequests", list_qualification_requests},
    {"ListQualificationTypes", list_qualification_types},
    {"ListReviewPolicyResultsForHIT", list_review_policy_results_for_hit},
    {"ListReviewableHITs", list_reviewable_hits},
    {"ListWorkerBlocks", list_worker_blocks},
    {"ListWorkersWithQualificationType", list_workers_with_qualification_type},
    {"NotifyWorkers", notify_workers},
    {"RejectAssignment", reject_assignment},
    {"RejectQualificationRequest", reject_qualification_request},
    {"SendBonus", send_bonus},
    {"SendTestEventNotification", send_test_event_notification},
    {"UpdateExpirationForHIT", update_expiration_for_hit},
    {"UpdateHITReviewStatus", update_hit_review_status},
    {"UpdateHITTypeOfHIT", update_hit_type_of_hit},
    {"UpdateNotificationSettings", update_notification_settings},
    {"UpdateQualificationType", update_qualification_type},
};
static_assert(std::size(operations) == 39);

} // namespace

operation_fn find_operation(std::string_view name) {
  for (auto& op : operations)
    if (op.name == name)
      return op.fn;
  return nullptr;
}

std::vector<std::string_view> operation_names() {
  std::vector<std::string_view> out;
  for (auto& op : operations)
    out.push_back(op.name);
  return out;
}

} // namespace hitd::gateway_mturk
