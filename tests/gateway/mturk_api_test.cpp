// The requester API on the real in-memory engine: signed requests built by
// hand (sign_sigv4, as the SDKs sign) handed to requester_api::handle, and
// one through the server's socket. The SDK tests (mturk_sdk_test.cpp) drive
// the same API with boto3 and the AWS SDK for JavaScript.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <future>
#include <map>
#include <set>

#include "../actors/engine_fixture.hpp"
#include "client.hpp"
#include "hitd/gateway/credentials.hpp"
#include "hitd/gateway/mturk/api.hpp"
#include "hitd/gateway/mturk/sigv4.hpp"
#include "hitd/gateway/server.hpp"
#include "hitd/ids.hpp"

namespace hitd::gateway_mturk {
namespace {

namespace json = boost::json;
using hitd::test::engine_harness;
using hitd::test::must;

constexpr const char* question =
    "<HTMLQuestion xmlns=\"http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/"
    "HTMLQuestion.xsd\"><HTMLContent><![CDATA[<p>Label it</p>]]></HTMLContent><FrameHeight>400</FrameHeight>"
    "</HTMLQuestion>";

int64_t wall_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct reply {
  unsigned status = 0;
  json::object body;
  std::string raw;
  std::string type() const {
    auto it = body.find("__type");
    return it == body.end() ? "" : std::string{it->value().as_string()};
  }
  std::string turk_code() const {
    auto it = body.find("TurkErrorCode");
    return it == body.end() ? "" : std::string{it->value().as_string()};
  }
};

class MturkApi : public ::testing::Test {
protected:
  MturkApi()
    : api(*h, [this](std::string_view id) -> std::optional<requester_key> {
        auto it = keys.find(std::string{id});
        if (it == keys.end())
          return std::nullopt;
        return it->second;
      }, nullptr, api_options{300, [this] { return api_now; }}) {
    alice = h.requester(cents(10'000));   // $100.00
    bob = h.requester(cents(10'000));
    keys["AKHDALICE0000000001"] = {alice, "alice-secret-alice-secret-alice-secret00"};
    keys["AKHDBOB00000000000001"] = {bob, "bob-secret-bob-secret-bob-secret-bob-sec"};
  }

  // A request signed as the SDKs sign it, answered by the API.
  reply call(const std::string& op, const json::object& in, const std::string& key_id = "AKHDALICE0000000001",
             std::optional<std::string> secret = std::nullopt, int64_t signed_at = 0) {
    gateway::http_request req;
    req.method = "POST";
    req.target = "/";
    req.body = json::serialize(in);
    req.headers = {{"host", "127.0.0.1:8080"},
                   {"content-type", "application/x-amz-json-1.1"},
                   {"x-amz-target", "MTurkRequesterServiceV20170117." + op}};
    sigv4_credentials creds;
    creds.access_key_id = key_id;
    auto it = keys.find(key_id);
    creds.secret_access_key = secret ? *secret : it == keys.end() ? "unknown-secret" : it->second.secret_access_key;
    sigv4_request sreq{req.method, req.target, &req.headers, req.body};
    for (auto& [k, v] : sign_sigv4(sreq, creds, signed_at ? signed_at : api_now)) {
      std::string lower = k;
      for (auto& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.emplace_back(lower, v);
    }
    return send(std::move(req));
  }

  reply send(gateway::http_request req) {
    std::promise<gateway::http_response> p;
    auto f = p.get_future();
    api.handle(std::move(req), [&p](gateway::http_response r) { p.set_value(std::move(r)); });
    if (f.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      ADD_FAILURE() << "no answer within 20 s";
      return {};
    }
    auto r = f.get();
    reply out;
    out.status = r.status;
    out.raw = r.body;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (!ec && v.is_object())
      out.body = v.as_object();
    return out;
  }

  json::object hit_input(const std::string& reward = "0.50", int64_t max_assignments = 1) {
    return {{"Title", "Label a photo"},
            {"Description", "Say what is in the picture"},
            {"Keywords", "image, label"},
            {"Reward", reward},
            {"MaxAssignments", max_assignments},
            {"LifetimeInSeconds", 3600},
            {"AssignmentDurationInSeconds", 600},
            {"AutoApprovalDelayInSeconds", 86400},
            {"Question", question}};
  }

  std::string create_hit(int64_t max_assignments = 1) {
    auto r = call("CreateHIT", hit_input("0.50", max_assignments));
    EXPECT_EQ(r.status, 200u) << r.raw;
    return std::string{r.body["HIT"].as_object()["HITId"].as_string()};
  }

  // A worker accepts and submits through the engine (the worker side is the
  // WebSocket protocol's, tested elsewhere).
  std::string work(const std::string& hit_id, std::string worker = {}) {
    if (worker.empty())
      worker = h.veteran();
    auto a = h.accept(worker, hit_id);
    h.submit(worker, a.assignment_id);
    return a.assignment_id;
  }

  engine_harness h;
  std::map<std::string, requester_key> keys;
  int64_t api_now = wall_seconds();
  requester_api api;
  std::string alice, bob;
};

TEST_F(MturkApi, CreateHitAnswersTheHitShape) {
  auto in = hit_input();
  in["RequesterAnnotation"] = "batch-7";
  in["QualificationRequirements"] = json::array{
      json::object{{"QualificationTypeId", std::string{system_qualification::locale}},
                   {"Comparator", "In"},
                   {"LocaleValues", json::array{json::object{{"Country", "US"}}, json::object{{"Country", "CA"}}}},
                   {"ActionsGuarded", "DiscoverPreviewAndAccept"}},
      json::object{{"QualificationTypeId", std::string{system_qualification::percent_assignments_approved}},
                   {"Comparator", "GreaterThanOrEqualTo"},
                   {"IntegerValues", json::array{95}}}};
  auto r = call("CreateHIT", in);
  ASSERT_EQ(r.status, 200u) << r.raw;
  auto& hit = r.body["HIT"].as_object();
  EXPECT_TRUE(is_entity_id(hit["HITId"].as_string()));
  EXPECT_TRUE(is_entity_id(hit["HITTypeId"].as_string()));
  EXPECT_EQ(hit["HITGroupId"], hit["HITTypeId"]);
  EXPECT_EQ(hit["Title"], "Label a photo");
  EXPECT_EQ(hit["Reward"], "0.50");
  EXPECT_EQ(hit["MaxAssignments"], 1);
  EXPECT_EQ(hit["HITStatus"], "Assignable");
  EXPECT_EQ(hit["HITReviewStatus"], "NotReviewed");
  EXPECT_EQ(hit["Question"], question);
  EXPECT_EQ(hit["RequesterAnnotation"], "batch-7");
  EXPECT_EQ(hit["NumberOfAssignmentsAvailable"], 1);
  // Timestamps are seconds since the epoch (JSON 1.1), from the engine's clock.
  EXPECT_DOUBLE_EQ(hit["CreationTime"].to_number<double>(), static_cast<double>(h.now()) / 1000.0);
  EXPECT_DOUBLE_EQ(hit["Expiration"].to_number<double>(), static_cast<double>(h.now() + seconds(3600)) / 1000.0);
  auto& reqs = hit["QualificationRequirements"].as_array();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].as_object()["Comparator"], "In");
  EXPECT_EQ(reqs[0].as_object()["ActionsGuarded"], "DiscoverPreviewAndAccept");
  EXPECT_EQ(reqs[0].as_object()["LocaleValues"].as_array().size(), 2u);
  EXPECT_EQ(reqs[1].as_object()["IntegerValues"].as_array()[0], 95);

  // GetHIT answers the same HIT.
  auto g = call("GetHIT", {{"HITId", hit["HITId"]}});
  ASSERT_EQ(g.status, 200u) << g.raw;
  EXPECT_EQ(g.body["HIT"].as_object()["HITId"], hit["HITId"]);
  EXPECT_EQ(g.body["HIT"].as_object()["QualificationRequirements"], hit["QualificationRequirements"]);
}

TEST_F(MturkApi, TheWholeLifecycleWithTheFees) {
  auto before = call("GetAccountBalance", {});
  ASSERT_EQ(before.status, 200u) << before.raw;
  EXPECT_EQ(before.body["AvailableBalance"], "100.00");
  EXPECT_EQ(before.body["OnHoldBalance"], "0.00");

  auto hit_id = create_hit(2);
  auto held = call("GetAccountBalance", {});
  // Two assignments of $0.50 and MTurk's 20% commission are held: $1.20.
  EXPECT_EQ(held.body["AvailableBalance"], "98.80");
  EXPECT_EQ(held.body["OnHoldBalance"], "1.20");

  auto a1 = work(hit_id);
  auto a2 = work(hit_id);
  auto list = call("ListAssignmentsForHIT", {{"HITId", hit_id}});
  ASSERT_EQ(list.status, 200u) << list.raw;
  EXPECT_EQ(list.body["NumResults"], 2);
  for (auto& a : list.body["Assignments"].as_array())
    EXPECT_EQ(a.as_object().at("AssignmentStatus"), "Submitted");

  auto get = call("GetAssignment", {{"AssignmentId", a1}});
  ASSERT_EQ(get.status, 200u) << get.raw;
  EXPECT_EQ(get.body["Assignment"].as_object()["AssignmentId"], json::value(a1));
  EXPECT_EQ(get.body["Assignment"].as_object()["Answer"], "<answer/>");
  EXPECT_EQ(get.body["HIT"].as_object()["HITId"], json::value(hit_id));

  EXPECT_EQ(call("ApproveAssignment", {{"AssignmentId", a1}, {"RequesterFeedback", "thanks"}}).status, 200u);
  EXPECT_EQ(call("RejectAssignment", {{"AssignmentId", a2}, {"RequesterFeedback", "blank"}}).status, 200u);
  // A rejection overridden: the worker is paid after all.
  auto again = call("ApproveAssignment", {{"AssignmentId", a2}});
  EXPECT_EQ(again.turk_code(), "AWS.MechanicalTurk.InvalidAssignmentState") << again.raw;
  EXPECT_EQ(call("ApproveAssignment", {{"AssignmentId", a2}, {"OverrideRejection", true}}).status, 200u);

  auto approved = call("ListAssignmentsForHIT", {{"HITId", hit_id}, {"AssignmentStatuses", json::array{"Approved"}}});
  EXPECT_EQ(approved.body["NumResults"], 2) << approved.raw;

  // A $1.00 bonus costs $1.20 with the commission.
  auto worker = std::string{get.body["Assignment"].as_object()["WorkerId"].as_string()};
  auto bonus = call("SendBonus", {{"WorkerId", worker}, {"BonusAmount", "1.00"}, {"AssignmentId", a1},
                                  {"Reason", "great work"}, {"UniqueRequestToken", "bonus-1"}});
  ASSERT_EQ(bonus.status, 200u) << bonus.raw;
  auto bonuses = call("ListBonusPayments", {{"HITId", hit_id}});
  ASSERT_EQ(bonuses.body["NumResults"], 1) << bonuses.raw;
  EXPECT_EQ(bonuses.body["BonusPayments"].as_array()[0].as_object()["BonusAmount"], "1.00");

  auto after = call("GetAccountBalance", {});
  EXPECT_EQ(after.body["AvailableBalance"], "97.60");   // 100 - 1.20 - 1.20
  EXPECT_EQ(after.body["OnHoldBalance"], "0.00");
}

TEST_F(MturkApi, EveryOperationIsThere) {
  // Each of the 39 names reaches its operation: with an empty input, each
  // answers an MTurk error document (RequestError), never "unknown operation".
  const char* names[] = {
      "AcceptQualificationRequest", "ApproveAssignment", "AssociateQualificationWithWorker",
      "CreateAdditionalAssignmentsForHIT", "CreateHIT", "CreateHITType", "CreateHITWithHITType",
      "CreateQualificationType", "CreateWorkerBlock", "DeleteHIT", "DeleteQualificationType", "DeleteWorkerBlock",
      "DisassociateQualificationFromWorker", "GetAccountBalance", "GetAssignment", "GetFileUploadURL", "GetHIT",
      "GetQualificationScore", "GetQualificationType", "ListAssignmentsForHIT", "ListBonusPayments", "ListHITs",
      "ListHITsForQualificationType", "ListQualificationRequests", "ListQualificationTypes",
      "ListReviewPolicyResultsForHIT", "ListReviewableHITs", "ListWorkerBlocks", "ListWorkersWithQualificationType",
      "NotifyWorkers", "RejectAssignment", "RejectQualificationRequest", "SendBonus", "SendTestEventNotification",
      "UpdateExpirationForHIT", "UpdateHITReviewStatus", "UpdateHITTypeOfHIT", "UpdateNotificationSettings",
      "UpdateQualificationType"};
  static_assert(std::size(names) == 39);
  std::set<std::string> answered_ok = {"GetAccountBalance", "ListHITs", "ListQualificationRequests",
                                       "ListReviewableHITs", "ListWorkerBlocks"};
  for (auto name : names) {
    auto r = call(name, {});
    if (answered_ok.count(name)) {
      EXPECT_EQ(r.status, 200u) << name << ": " << r.raw;
    } else {
      EXPECT_EQ(r.type(), "RequestError") << name << ": " << r.raw;
      EXPECT_EQ(r.status, 400u) << name;
    }
  }
  auto unknown = call("FrobnicateHIT", {});
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_EQ(unknown.type(), "UnknownOperationException");
}

// Each operation's main error case, with the TurkErrorCode MTurk gives.
TEST_F(MturkApi, EachOperationsMainErrorHasMturksCode) {
  auto hit_id = create_hit();
  auto unknown_hit = format_id(id_kind::hit, 999'999);
  auto unknown_assignment = format_assignment_id({999'999, 1});
  auto worker = h.veteran();
  auto qual = call("CreateQualificationType", {{"Name", "Photo skill"}, {"Description", "Good at photos"},
                                               {"QualificationTypeStatus", "Active"}});
  ASSERT_EQ(qual.status, 200u) << qual.raw;
  auto qual_id = std::string{qual.body["QualificationType"].as_object()["QualificationTypeId"].as_string()};
  auto unknown_qual = std::string{"3ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"};
  auto type = call("CreateHITType", {{"Title", "t"}, {"Description", "d"}, {"Reward", "0.10"},
                                     {"AssignmentDurationInSeconds", 60}});
  ASSERT_EQ(type.status, 200u) << type.raw;
  auto type_id = std::string{type.body["HITTypeId"].as_string()};
  auto a = work(hit_id, worker);
  ASSERT_EQ(call("ApproveAssignment", {{"AssignmentId", a}}).status, 200u);

  struct row {
    const char* op;
    json::object in;
    const char* code;
  };
  auto spec = json::object{{"Destination", "http://127.0.0.1:9/"}, {"Transport", "SQS"}, {"Version", "2014-08-15"},
                           {"EventTypes", json::array{"AssignmentSubmitted"}}};
  auto too_rich = hit_input("5000000.00");
  std::vector<row> rows = {
      {"AcceptQualificationRequest", {{"QualificationRequestId", "NOSUCHREQUEST"}},
       "AWS.MechanicalTurk.QualificationRequestDoesNotExist"},
      {"ApproveAssignment", {{"AssignmentId", a}}, "AWS.MechanicalTurk.InvalidAssignmentState"},
      {"AssociateQualificationWithWorker", {{"QualificationTypeId", unknown_qual}, {"WorkerId", worker}},
       "AWS.MechanicalTurk.QualificationTypeDoesNotExist"},
      {"CreateAdditionalAssignmentsForHIT", {{"HITId", unknown_hit}, {"NumberOfAdditionalAssignments", 1}},
       "AWS.MechanicalTurk.HITDoesNotExist"},
      {"CreateHIT", too_rich, "AWS.MechanicalTurk.InsufficientFunds"},
      {"CreateHITType", {{"Title", "t"}, {"Description", "d"}, {"Reward", "abc"}, {"AssignmentDurationInSeconds", 60}},
       "AWS.MechanicalTurk.InvalidParameterValue"},
      {"CreateHITWithHITType", {{"HITTypeId", "NOSUCHTYPE"}, {"LifetimeInSeconds", 600}, {"Question", question}},
       "AWS.MechanicalTurk.HITTypeDoesNotExist"},
      {"CreateQualificationType", {{"Name", "Photo skill"}, {"Description", "again"}, {"QualificationTypeStatus", "Active"}},
       "AWS.MechanicalTurk.QualificationTypeAlreadyExists"},
      {"CreateWorkerBlock", {{"WorkerId", worker}}, "AWS.MissingParameters"},   // the Reason
      {"DeleteHIT", {{"HITId", unknown_hit}}, "AWS.MechanicalTurk.HITDoesNotExist"},
      {"DeleteQualificationType", {{"QualificationTypeId", unknown_qual}},
       "AWS.MechanicalTurk.QualificationTypeDoesNotExist"},
      {"DeleteWorkerBlock", {{"WorkerId", "bad id"}}, "AWS.MechanicalTurk.InvalidParameterValue"},
      {"DisassociateQualificationFromWorker", {{"QualificationTypeId", qual_id}, {"WorkerId", worker}},
       "AWS.MechanicalTurk.QualificationDoesNotExist"},
      {"GetAssignment", {{"AssignmentId", unknown_assignment}}, "AWS.MechanicalTurk.AssignmentDoesNotExist"},
      {"GetFileUploadURL", {{"AssignmentId", a}, {"QuestionIdentifier", "q1"}},
       "AWS.MechanicalTurk.OperationNotSupported"},
      {"GetHIT", {{"HITId", unknown_hit}}, "AWS.MechanicalTurk.HITDoesNotExist"},
      {"GetQualificationScore", {{"QualificationTypeId", qual_id}, {"WorkerId", worker}},
       "AWS.MechanicalTurk.QualificationDoesNotExist"},
      {"GetQualificationType", {{"QualificationTypeId", unknown_qual}},
       "AWS.MechanicalTurk.QualificationTypeDoesNotExist"},
      {"ListAssignmentsForHIT", {{"HITId", unknown_hit}}, "AWS.MechanicalTurk.HITDoesNotExist"},
      {"ListBonusPayments", {{"AssignmentId", unknown_assignment}}, "AWS.MechanicalTurk.AssignmentDoesNotExist"},
      {"ListHITs", {{"MaxResults", 101}}, "AWS.MechanicalTurk.InvalidParameterValue"},
      {"ListHITsForQualificationType", {{"QualificationTypeId", unknown_qual}},
       "AWS.MechanicalTurk.QualificationTypeDoesNotExist"},
      {"ListQualificationRequests", {{"QualificationTypeId", unknown_qual}},
       "AWS.MechanicalTurk.QualificationTypeDoesNotExist"},
      {"ListQualificationTypes", {{"Query", "x"}}, "AWS.MissingParameters"},
      {"ListReviewPolicyResultsForHIT", {{"HITId", hit_id}}, "AWS.MechanicalTurk.OperationNotSupported"},
      {"ListReviewableHITs", {{"Status", "Done"}}, "AWS.MechanicalTurk.InvalidParameterValue"},
      {"ListWorkerBlocks", {{"MaxResults", 0}}, "AWS.MechanicalTurk.InvalidParameterValue"},
      {"ListWorkersWithQualificationType", {{"QualificationTypeId", unknown_qual}},
       "AWS.MechanicalTurk.QualificationTypeDoesNotExist"},
      {"NotifyWorkers", {{"Subject", std::string(201, 's')}, {"MessageText", "m"}, {"WorkerIds", json::array{worker}}},
       "AWS.MechanicalTurk.InvalidParameterValue"},
      {"RejectAssignment", {{"AssignmentId", a}, {"RequesterFeedback", "late"}},
       "AWS.MechanicalTurk.InvalidAssignmentState"},
      {"RejectQualificationRequest", {{"QualificationRequestId", "NOSUCHREQUEST"}},
       "AWS.MechanicalTurk.QualificationRequestDoesNotExist"},
      {"SendBonus", {{"WorkerId", worker}, {"BonusAmount", "1.00"}, {"AssignmentId", unknown_assignment}, {"Reason", "r"}},
       "AWS.MechanicalTurk.AssignmentDoesNotExist"},
      {"SendTestEventNotification", {{"Notification", spec}, {"TestEventType", "Ping"}},
       "AWS.MechanicalTurk.OperationNotSupported"},   // this API was built without a notifier
      {"UpdateExpirationForHIT", {{"HITId", unknown_hit}, {"ExpireAt", 0}}, "AWS.MechanicalTurk.HITDoesNotExist"},
      {"UpdateHITReviewStatus", {{"HITId", unknown_hit}}, "AWS.MechanicalTurk.HITDoesNotExist"},
      {"UpdateHITTypeOfHIT", {{"HITId", hit_id}, {"HITTypeId", "NOSUCHTYPE"}}, "AWS.MechanicalTurk.HITTypeDoesNotExist"},
      {"UpdateNotificationSettings", {{"HITTypeId", "NOSUCHTYPE"}, {"Active", true}},
       "AWS.MechanicalTurk.HITTypeDoesNotExist"},
      {"UpdateQualificationType", {{"QualificationTypeId", unknown_qual}, {"Description", "x"}},
       "AWS.MechanicalTurk.QualificationTypeDoesNotExist"},
      {"CreateHIT", json::object{{"Title", "t"}}, "AWS.MissingParameters"},
  };
  std::set<std::string> covered;
  for (auto& r : rows) {
    auto out = call(r.op, r.in);
    EXPECT_EQ(out.turk_code(), r.code) << r.op << " " << json::serialize(r.in) << " -> " << out.raw;
    EXPECT_EQ(out.type(), "RequestError") << r.op;
    EXPECT_EQ(out.status, 400u) << r.op;
    covered.insert(r.op);
  }
  EXPECT_EQ(covered.size() + 1, 39u);   // all but GetAccountBalance, which has no error of its own
}

TEST_F(MturkApi, InputsAreCheckedAsMturksModelSays) {
  auto code = [&](const std::string& op, json::object in) { return call(op, std::move(in)).turk_code(); };
  auto hit = hit_input();
  hit.erase("Title");
  EXPECT_EQ(code("CreateHIT", hit), "AWS.MissingParameters");
  hit = hit_input();
  hit["Title"] = std::string(129, 't');
  EXPECT_EQ(code("CreateHIT", hit), "AWS.MechanicalTurk.InvalidParameterValue");
  hit = hit_input();
  hit["LifetimeInSeconds"] = 5;
  EXPECT_EQ(code("CreateHIT", hit), "AWS.MechanicalTurk.InvalidParameterValue");
  hit = hit_input();
  hit["MaxAssignments"] = "two";
  EXPECT_EQ(code("CreateHIT", hit), "AWS.MechanicalTurk.InvalidParameterValue");
  hit = hit_input();
  hit["MaxAssignments"] = 1e300;
  EXPECT_EQ(code("CreateHIT", hit), "AWS.MechanicalTurk.InvalidParameterValue");
  hit = hit_input();
  hit["MaxAssignments"] = 2.5;
  EXPECT_EQ(code("CreateHIT", hit), "AWS.MechanicalTurk.InvalidParameterValue");
  hit = hit_input();
  hit["MaxAssignments"] = 2.0;   // an integral double is an integer
  EXPECT_EQ(call("CreateHIT", hit).status, 200u);
  hit = hit_input("0.505");
  EXPECT_EQ(code("CreateHIT", hit), "AWS.MechanicalTurk.InvalidParameterValue");
  EXPECT_EQ(code("GetHIT", {{"HITId", "lower-case"}}), "AWS.MechanicalTurk.InvalidParameterValue");
  EXPECT_EQ(code("CreateWorkerBlock", {{"WorkerId", "BWORKER"}, {"Reason", "r"}}),
            "AWS.MechanicalTurk.InvalidParameterValue");

  // Question XML: well-formed, one of the three roots, no DTD, at most 64 KiB.
  auto with_question = [&](std::string q) {
    auto in = hit_input();
    in["Question"] = std::move(q);
    return call("CreateHIT", in);
  };
  auto bad = with_question("<HTMLQuestion><HTMLContent>unclosed</HTMLQuestion>");
  EXPECT_EQ(bad.turk_code(), "AWS.MechanicalTurk.InvalidParameterValue");
  EXPECT_NE(bad.body["Message"].as_string().find("does not match"), json::string::npos) << bad.raw;
  EXPECT_EQ(with_question("<Survey/>").turk_code(), "AWS.MechanicalTurk.InvalidParameterValue");
  EXPECT_EQ(with_question("<!DOCTYPE x [<!ENTITY a \"b\">]><QuestionForm>&a;</QuestionForm>").turk_code(),
            "AWS.MechanicalTurk.InvalidParameterValue");
  EXPECT_EQ(with_question("<QuestionForm>a & b</QuestionForm>").turk_code(), "AWS.MechanicalTurk.InvalidParameterValue");
  EXPECT_EQ(with_question("<QuestionForm>" + std::string(70'000, 'x') + "</QuestionForm>").turk_code(),
            "AWS.MechanicalTurk.InvalidParameterValue");
  auto ok = with_question(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- a form -->\n<ExternalQuestion xmlns=\"urn:x\">"
      "<ExternalURL>https://example.com/task?a=1&amp;b=2</ExternalURL><FrameHeight>0</FrameHeight></ExternalQuestion>");
  EXPECT_EQ(ok.status, 200u) << ok.raw;

  // Review policies and layouts are refused, not ignored.
  auto policy = hit_input();
  policy["AssignmentReviewPolicy"] = json::object{{"PolicyName", "ScoreMyKnownAnswers/2011-09-01"}};
  EXPECT_EQ(code("CreateHIT", policy), "AWS.MechanicalTurk.OperationNotSupported");
}

TEST_F(MturkApi, ProtocolErrorsHaveAwssShapes) {
  gateway::http_request req;
  req.method = "POST";
  req.target = "/";
  req.headers = {{"host", "127.0.0.1"}, {"content-type", "application/x-amz-json-1.1"},
                 {"x-amz-target", "MTurkRequesterServiceV20170117.GetAccountBalance"}};
  req.body = "{}";
  auto unsigned_req = send(req);
  EXPECT_EQ(unsigned_req.status, 403u);
  EXPECT_EQ(unsigned_req.type(), "MissingAuthenticationTokenException");

  auto wrong_secret = call("GetAccountBalance", {}, "AKHDALICE0000000001", std::string{"not-the-secret"});
  EXPECT_EQ(wrong_secret.status, 400u);
  EXPECT_EQ(wrong_secret.type(), "InvalidSignatureException");
  auto unknown_key = call("GetAccountBalance", {}, "AKHDNOBODY000000000");
  EXPECT_EQ(unknown_key.type(), "UnrecognizedClientException");
  auto late = call("GetAccountBalance", {}, "AKHDALICE0000000001", std::nullopt, api_now - 20 * 60);
  EXPECT_EQ(late.type(), "InvalidSignatureException");
  EXPECT_NE(late.raw.find("Signature expired"), std::string::npos) << late.raw;
  auto early = call("GetAccountBalance", {}, "AKHDALICE0000000001", std::nullopt, api_now + 20 * 60);
  EXPECT_EQ(early.type(), "InvalidSignatureException");
  auto skewed_but_fine = call("GetAccountBalance", {}, "AKHDALICE0000000001", std::nullopt, api_now - 4 * 60);
  EXPECT_EQ(skewed_but_fine.status, 200u) << skewed_but_fine.raw;

  req.headers[2].second = "MTurkRequesterServiceV20170117.NoSuchThing";
  EXPECT_EQ(send(req).type(), "UnknownOperationException");
  req.headers[1].second = "text/plain";
  EXPECT_EQ(send(req).type(), "SerializationException");
  auto not_json = call("GetHIT", {});
  (void)not_json;
  gateway::http_request broken;
  broken.method = "POST";
  broken.target = "/";
  broken.body = "{not json";
  broken.headers = {{"host", "127.0.0.1"}, {"content-type", "application/x-amz-json-1.1"},
                    {"x-amz-target", "MTurkRequesterServiceV20170117.GetHIT"}};
  sigv4_credentials creds{"AKHDALICE0000000001", keys["AKHDALICE0000000001"].secret_access_key};
  sigv4_request sreq{broken.method, broken.target, &broken.headers, broken.body};
  for (auto& [k, v] : sign_sigv4(sreq, creds, api_now)) {
    std::string lower = k;
    for (auto& c : lower)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    broken.headers.emplace_back(lower, v);
  }
  auto r = send(broken);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.type(), "SerializationException") << r.raw;
}

TEST_F(MturkApi, AnotherRequestersThingsAreNotTheirs) {
  auto hit_id = create_hit();
  auto a = work(hit_id);
  // Bob signs with his own key: Alice's HIT and assignment do not exist for him.
  auto get = call("GetHIT", {{"HITId", hit_id}}, "AKHDBOB00000000000001");
  EXPECT_EQ(get.turk_code(), "AWS.MechanicalTurk.HITDoesNotExist") << get.raw;
  EXPECT_EQ(get.raw.find("Label a photo"), std::string::npos) << "another requester's HIT leaked: " << get.raw;
  auto approve = call("ApproveAssignment", {{"AssignmentId", a}}, "AKHDBOB00000000000001");
  EXPECT_EQ(approve.turk_code(), "AWS.MechanicalTurk.AssignmentDoesNotExist") << approve.raw;
  EXPECT_EQ(call("ListAssignmentsForHIT", {{"HITId", hit_id}}, "AKHDBOB00000000000001").turk_code(),
            "AWS.MechanicalTurk.HITDoesNotExist");
  EXPECT_EQ(call("DeleteHIT", {{"HITId", hit_id}}, "AKHDBOB00000000000001").turk_code(),
            "AWS.MechanicalTurk.HITDoesNotExist");
  EXPECT_EQ(call("ListBonusPayments", {{"AssignmentId", a}}, "AKHDBOB00000000000001").turk_code(),
            "AWS.MechanicalTurk.AssignmentDoesNotExist");
  auto list = call("ListHITs", {}, "AKHDBOB00000000000001");
  EXPECT_EQ(list.body["NumResults"], 0) << list.raw;
  // Still submitted for Alice.
  auto mine = call("GetAssignment", {{"AssignmentId", a}});
  EXPECT_EQ(mine.body["Assignment"].as_object()["AssignmentStatus"], "Submitted") << mine.raw;
}

TEST_F(MturkApi, ListingsPageWithNextToken) {
  std::set<std::string> created;
  for (int i = 0; i < 5; ++i)
    created.insert(create_hit());
  std::set<std::string> seen;
  std::string token;
  for (int pages = 0; pages < 10; ++pages) {
    json::object in{{"MaxResults", 2}};
    if (!token.empty())
      in["NextToken"] = token;
    auto r = call("ListHITs", in);
    ASSERT_EQ(r.status, 200u) << r.raw;
    EXPECT_LE(r.body["NumResults"].as_int64(), 2);
    for (auto& hit : r.body["HITs"].as_array())
      EXPECT_TRUE(seen.insert(std::string{hit.as_object().at("HITId").as_string()}).second) << "listed twice";
    auto next = r.body.find("NextToken");
    if (next == r.body.end())
      break;
    token = std::string{next->value().as_string()};
  }
  EXPECT_EQ(seen, created);
}

TEST_F(MturkApi, UniqueRequestTokenReturnsTheFirstHit) {
  auto in = hit_input();
  in["UniqueRequestToken"] = "batch-1-row-1";
  auto first = call("CreateHIT", in);
  auto second = call("CreateHIT", in);
  ASSERT_EQ(first.status, 200u) << first.raw;
  ASSERT_EQ(second.status, 200u) << second.raw;
  EXPECT_EQ(first.body["HIT"].as_object()["HITId"], second.body["HIT"].as_object()["HITId"]);
  EXPECT_EQ(call("ListHITs", {}).body["NumResults"], 1);
}

TEST_F(MturkApi, QualificationsBlocksAndExpiration) {
  auto q = call("CreateQualificationType", {{"Name", "Birder"}, {"Description", "Knows birds"},
                                            {"QualificationTypeStatus", "Active"}, {"Keywords", "birds"}});
  ASSERT_EQ(q.status, 200u) << q.raw;
  auto qid = std::string{q.body["QualificationType"].as_object()["QualificationTypeId"].as_string()};
  auto worker = h.veteran();
  ASSERT_EQ(call("AssociateQualificationWithWorker",
                 {{"QualificationTypeId", qid}, {"WorkerId", worker}, {"IntegerValue", 80}})
                .status,
            200u);
  auto score = call("GetQualificationScore", {{"QualificationTypeId", qid}, {"WorkerId", worker}});
  ASSERT_EQ(score.status, 200u) << score.raw;
  EXPECT_EQ(score.body["Qualification"].as_object()["IntegerValue"], 80);
  EXPECT_EQ(score.body["Qualification"].as_object()["Status"], "Granted");
  auto holders = call("ListWorkersWithQualificationType", {{"QualificationTypeId", qid}});
  EXPECT_EQ(holders.body["NumResults"], 1) << holders.raw;
  auto types = call("ListQualificationTypes", {{"Query", "bird"}, {"MustBeRequestable", false},
                                               {"MustBeOwnedByCaller", true}});
  EXPECT_EQ(types.body["NumResults"], 1) << types.raw;

  // A HIT that needs the qualification.
  auto in = hit_input();
  in["QualificationRequirements"] = json::array{json::object{
      {"QualificationTypeId", qid}, {"Comparator", "GreaterThan"}, {"IntegerValues", json::array{50}}}};
  auto hit = call("CreateHIT", in);
  ASSERT_EQ(hit.status, 200u) << hit.raw;
  auto hit_id = std::string{hit.body["HIT"].as_object()["HITId"].as_string()};
  auto for_type = call("ListHITsForQualificationType", {{"QualificationTypeId", qid}});
  EXPECT_EQ(for_type.body["NumResults"], 1) << for_type.raw;

  // Blocks.
  ASSERT_EQ(call("CreateWorkerBlock", {{"WorkerId", worker}, {"Reason", "spam"}}).status, 200u);
  auto blocks = call("ListWorkerBlocks", {});
  ASSERT_EQ(blocks.body["NumResults"], 1) << blocks.raw;
  EXPECT_EQ(blocks.body["WorkerBlocks"].as_array()[0].as_object()["Reason"], "spam");
  ASSERT_EQ(call("DeleteWorkerBlock", {{"WorkerId", worker}, {"Reason", "sorry"}}).status, 200u);
  EXPECT_EQ(call("ListWorkerBlocks", {}).body["NumResults"], 0);

  // Expire now, then delete: the HIT is gone.
  auto expire = call("UpdateExpirationForHIT", {{"HITId", hit_id}, {"ExpireAt", 0}});
  ASSERT_EQ(expire.status, 200u) << expire.raw;
  h->drain();
  auto expired = call("GetHIT", {{"HITId", hit_id}});
  EXPECT_EQ(expired.body["HIT"].as_object()["NumberOfAssignmentsAvailable"], 0) << expired.raw;
  ASSERT_EQ(call("DeleteHIT", {{"HITId", hit_id}}).status, 200u);
  auto deleted = call("GetHIT", {{"HITId", hit_id}});
  EXPECT_EQ(deleted.body["HIT"].as_object()["HITStatus"], "Disposed") << deleted.raw;
  EXPECT_EQ(call("ListHITs", {}).body["NumResults"], 0);
}

// Through the server's socket: the http_handler seam.
TEST_F(MturkApi, ServedOnTheServersPort) {
  auto store = std::make_shared<memory_store>();
  auto creds = std::make_shared<gateway::credentials>(store, gateway::secrets_key{gateway::secrets_key::bytes_t{}});
  gateway::logger log{gateway::log_level::off};
  gateway::server_options so;
  so.port = 0;
  gateway::server srv{so, *h, creds, log};
  srv.set_http_handler(api.handler());
  auto port = srv.start();
  ASSERT_TRUE(port.ok());

  gateway::testing::http_connection c;
  ASSERT_FALSE(c.connect(*port));
  std::vector<std::pair<std::string, std::string>> headers = {
      {"host", "127.0.0.1:" + std::to_string(*port)},
      {"content-type", "application/x-amz-json-1.1"},
      {"x-amz-target", "MTurkRequesterServiceV20170117.GetAccountBalance"}};
  std::string body = "{}";
  sigv4_credentials sc{"AKHDALICE0000000001", keys["AKHDALICE0000000001"].secret_access_key};
  sigv4_request sreq{"POST", "/", &headers, body};
  auto all = headers;
  for (auto& kv : sign_sigv4(sreq, sc, api_now))
    all.push_back(kv);
  for (int i = 0; i < 2; ++i) {   // twice on one keep-alive connection
    auto r = c.request(gateway::testing::http::verb::post, "/", body, all);
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.content_type, "application/x-amz-json-1.1");
    EXPECT_EQ(json::parse(r.body).as_object()["AvailableBalance"], "100.00");
  }
  // A Question at MTurk's limit (65,535 bytes, a third of them quotes that
  // JSON escapes) fits in one request.
  std::string q = "<HTMLQuestion><HTMLContent><![CDATA[";
  const std::string chunk = "<p class=\"a\">x</p>", tail = "]]></HTMLContent></HTMLQuestion>";
  while (q.size() + chunk.size() + tail.size() <= 65'535)
    q += chunk;
  q += tail;
  ASSERT_LE(q.size(), 65'535u);
  auto big_in = hit_input();
  big_in["Question"] = q;
  std::string big = json::serialize(big_in);
  ASSERT_GT(big.size(), 64u * 1024);
  std::vector<std::pair<std::string, std::string>> big_headers = {
      {"host", "127.0.0.1:" + std::to_string(*port)},
      {"content-type", "application/x-amz-json-1.1"},
      {"x-amz-target", "MTurkRequesterServiceV20170117.CreateHIT"}};
  sigv4_request big_req{"POST", "/", &big_headers, big};
  auto signed_big = big_headers;
  for (auto& kv : sign_sigv4(big_req, sc, api_now))
    signed_big.push_back(kv);
  auto created = c.request(gateway::testing::http::verb::post, "/", big, signed_big);
  ASSERT_FALSE(created.ec) << created.ec.message();
  EXPECT_EQ(created.status, 200u) << created.body.substr(0, 300);

  // The built-in paths are still the server's.
  auto health = gateway::testing::http_request(*port, gateway::testing::http::verb::get, "/healthz");
  EXPECT_EQ(health.status, 200u);
  srv.shutdown();
}

} // namespace
} // namespace hitd::gateway_mturk
