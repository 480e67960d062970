#!/usr/bin/python3
"""The MTurk requester API of `hitd serve` driven by the real, unmodified
boto3 (Debian's python3-boto3): the client is only pointed at hitd's URL with
a requester's keys. Workers act over hitd's WebSocket protocol
(docs/protocol.md) with Debian's python3-websocket (websocket-client). Every
answer is parsed by botocore; the script only looks at what it returns.

    /usr/bin/python3 mturk_scenario.py '<json>'

<json>: {"port": 8080,
         "requester": {"requester_id", "access_key_id", "secret_access_key"},
         "other":     {... a second requester, with its own deposit},
         "workers":   [{"worker_id", "token"} x 3]}

Output: one line per step ("ok <step>" or "FAIL <step>: <why>"), then "PASS"
or "FAILED <n>". Exit code 0 only when every step passed. The main flow stops
at its first failure (later steps depend on it); the error and
authentication cases each run on their own. The whole script is bounded
(TOTAL_S), and every wait too.

Run by tests/gateway/mturk_sdk_test.cpp with Debian's /usr/bin/python3 (which
sees Debian's boto3); tests/gateway/node/mturk_scenario.mjs is the same
scenario with the AWS SDK for JavaScript v3.
"""

import datetime
import http.server
import json
import os
import re
import signal
import sys
import threading
import time
import traceback
import types
import unittest.mock
import urllib.error
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.config import Config
from botocore.exceptions import ClientError
import websocket

TOTAL_S = 150
WAIT_S = 10.0

if len(sys.argv) != 2:
    print("usage: /usr/bin/python3 mturk_scenario.py '<json>'", file=sys.stderr)
    sys.exit(2)
cfg = json.loads(sys.argv[1])
ENDPOINT = f"http://127.0.0.1:{cfg['port']}"
W1, W2, W3 = cfg["workers"][:3]

# ---- reporting ------------------------------------------------------------------------------

failures = []
aborted = False


def _timeout(*_):
    print(f"FAIL the whole scenario within {TOTAL_S} s: timed out", flush=True)
    print(f"FAILED {len(failures) + 1}", flush=True)
    os._exit(1)


signal.signal(signal.SIGALRM, _timeout)
signal.alarm(TOTAL_S)


def describe(e):
    if isinstance(e, ClientError):
        r = e.response
        return (f"{r['Error'].get('Code')} (HTTP {r['ResponseMetadata'].get('HTTPStatusCode')}, "
                f"TurkErrorCode {turk_code(e) or '-'}): {r['Error'].get('Message')}")
    if isinstance(e, AssertionError):
        return f"{e} | {traceback.format_tb(e.__traceback__)[-1].strip()}"
    return f"{type(e).__name__}: {e} | {traceback.format_tb(e.__traceback__)[-1].strip()}"


def step(name, fn):
    """A step of the main flow: a failure stops the flow."""
    global aborted
    if aborted:
        return None
    try:
        r = fn()
        print(f"ok {name}", flush=True)
        return r
    except Exception as e:  # noqa: BLE001 - every failure is reported
        failures.append(name)
        aborted = True
        print(f"FAIL {name}: {describe(e)}", flush=True)
        return None


def check(name, fn):
    """An independent check: a failure is recorded and the script goes on."""
    try:
        fn()
        print(f"ok {name}", flush=True)
    except Exception as e:  # noqa: BLE001
        failures.append(name)
        print(f"FAIL {name}: {describe(e)}", flush=True)


# ---- boto3 ------------------------------------------------------------------------------------


def client(who):
    return boto3.client(
        "mturk",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id=who["access_key_id"],
        aws_secret_access_key=who["secret_access_key"],
        # One attempt: an error reaches the test as the server sent it.
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


mt = client(cfg["requester"])
other = client(cfg["other"])


def turk_code(e):
    # botocore puts a modeled error's fields at the top of the response
    # (and some versions in response['Error']).
    return e.response.get("TurkErrorCode") or e.response.get("Error", {}).get("TurkErrorCode")


def refused(fn, code=None, name="RequestError", status=400, message=None, c=mt):
    try:
        out = fn()
    except ClientError as e:
        err = e
    else:
        raise AssertionError(f"succeeded (expected {name} {code or ''}): {str(out)[:300]}")
    names = name if isinstance(name, list) else [name]
    got = err.response["Error"].get("Code")
    assert got in names, f"error {describe(err)}; expected {' or '.join(names)}"
    if got == "RequestError":
        assert isinstance(err, c.exceptions.RequestError), "botocore's modeled RequestError"
    if got == "ServiceFault":
        assert isinstance(err, c.exceptions.ServiceFault), "botocore's modeled ServiceFault"
    if code is not None:
        codes = code if isinstance(code, list) else [code]
        assert turk_code(err) in codes, f"TurkErrorCode {turk_code(err)}, expected {' or '.join(codes)}: {describe(err)}"
    if status is not None:
        assert err.response["ResponseMetadata"]["HTTPStatusCode"] == status, f"HTTP status: {describe(err)}"
    if message is not None:
        assert re.search(message, err.response["Error"].get("Message", "")), f"message: {describe(err)}"
    return err


def cents(s):
    assert isinstance(s, str), f"an amount is a string: {s!r}"
    assert re.fullmatch(r"\d+\.\d\d", s), f"an amount with two decimals: {s!r}"
    d, c = s.split(".")
    return int(d) * 100 + int(c)


def balance(c=mt):
    b = c.get_account_balance()
    return {"available": cents(b["AvailableBalance"]), "on_hold": cents(b.get("OnHoldBalance", "0.00"))}


def until(what, fn, seconds=WAIT_S):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r = fn()
        if r:
            return r
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {seconds} s")


def _eq(a, b, what=""):
    assert a == b, f"{what} {a!r} != {b!r}"


def near(t, expected_s, slack_s, what):
    assert isinstance(t, datetime.datetime), f"{what} is a timestamp (botocore parsed a datetime): {t!r}"
    assert abs(t.timestamp() - expected_s) <= slack_s, f"{what} {t.isoformat()} is not within {slack_s} s of {expected_s}"


# ---- a worker over the WebSocket protocol -----------------------------------------------------


class Worker:
    def __init__(self, w):
        self.id = w["worker_id"]
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{cfg['port']}/ws", header=[f"Authorization: Bearer {w['token']}"], timeout=WAIT_S)
        self.frames = []
        self.next = 1
        hello = self.wait_for("hello", lambda f: f.get("type") == "hello")
        assert hello["worker_id"] == self.id, "the hello names the token's worker"

    def wait_for(self, what, pred, seconds=WAIT_S):
        deadline = time.monotonic() + seconds
        while True:
            for i, f in enumerate(self.frames):
                if pred(f):
                    return self.frames.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.id}: {what} did not come within {seconds} s")
            self.ws.settimeout(left)
            try:
                self.frames.append(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                continue

    def command(self, op, **fields):
        cid = f"c{self.next}"
        self.next += 1
        self.ws.send(json.dumps({"id": cid, "op": op, **fields}))
        return self.wait_for(f"the reply to {op}", lambda f: f.get("id") == cid)

    def ok(self, op, type_, **fields):
        r = self.command(op, **fields)
        assert "error" not in r, f"{self.id} {op} {fields}: {r.get('error')}"
        assert r["type"] == type_, r
        return r

    def refused_with(self, op, code, **fields):
        r = self.command(op, **fields)
        assert "error" in r, f"{self.id} {op} should be refused with {code}: {r}"
        assert r["error"]["code"] == code, f"{self.id} {op}: {r['error']}"

    def event(self, type_, pred=lambda e: True):
        return self.wait_for(f"event {type_}", lambda f: f.get("type") == type_ and "id" not in f and pred(f))

    def close(self):
        self.ws.close()


# ---- the notification receiver ----------------------------------------------------------------

received = []  # (body, doc)


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server API
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raw = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                raw += self.rfile.read(size)
                self.rfile.readline()
        else:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = raw.decode("utf-8", "replace")
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        received.append((body, doc))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=receiver.serve_forever, daemon=True).start()
DESTINATION = f"http://127.0.0.1:{receiver.server_address[1]}/"


def events():
    return [e for _, doc in list(received) if isinstance(doc, dict) for e in doc.get("Events") or []]


def notified(what, pred):
    def look():
        return next((e for e in events() if pred(e)), None)
    try:
        return until(f"notification {what}", look)
    except AssertionError:
        raise AssertionError(f"notification {what} did not arrive within {WAIT_S} s; received: "
                             + (" || ".join(b[:200] for b, _ in received) or "none")) from None


# ---- hand-built requests ----------------------------------------------------------------------


def post(headers, body=b"{}"):
    """A raw POST /; (status, parsed JSON body)."""
    req = urllib.request.Request(ENDPOINT + "/", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=WAIT_S) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def signed_headers(who, target, body, when, service="mturk-requester"):
    """Headers of a request signed with botocore's SigV4 signer as of `when` (a UTC datetime)."""
    creds = botocore.credentials.Credentials(who["access_key_id"], who["secret_access_key"])
    auth = botocore.auth.SigV4Auth(creds, service, "us-east-1")
    req = botocore.awsrequest.AWSRequest(method="POST", url=ENDPOINT + "/", data=body, headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": f"MTurkRequesterServiceV20170117.{target}",
    })
    stamp = when.strftime(botocore.auth.SIGV4_TIMESTAMP)
    req.context["timestamp"] = stamp
    req.headers["X-Amz-Date"] = stamp
    req.headers["Host"] = f"127.0.0.1:{cfg['port']}"
    canonical = auth.canonical_request(req)
    signature = auth.signature(auth.string_to_sign(req, canonical), req)
    auth._inject_signature_to_request(req, signature)  # noqa: SLF001 - the signer's own last step
    return dict(req.headers.items())


class SkewedClock:
    """botocore.auth reads datetime.datetime.utcnow(); this replaces the module
    it reads it from, for the clients created inside, with one whose clock is
    off by `offset`."""

    def __init__(self, offset):
        class Skewed(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return datetime.datetime.utcnow() + offset

        module = types.ModuleType("skewed_datetime")
        module.__dict__.update(datetime.__dict__)
        module.datetime = Skewed
        self.patch = unittest.mock.patch.object(botocore.auth, "datetime", module)

    def __enter__(self):
        self.patch.__enter__()

    def __exit__(self, *exc):
        return self.patch.__exit__(*exc)


# ---- the scenario -----------------------------------------------------------------------------

QUESTION = ('<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">'
            '<Question><QuestionIdentifier>q1</QuestionIdentifier><QuestionContent><Text>What is shown?</Text></QuestionContent>'
            '<AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question></QuestionForm>')


def answer(text):
    return ('<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">'
            f'<Answer><QuestionIdentifier>q1</QuestionIdentifier><FreeText>{text}</FreeText></Answer></QuestionFormAnswers>')


SUFFIX = f"py{int(time.time() * 1000)}"
NO_HIT = "H0000099999999"
NO_TYPE = "T0000099999999"
NO_ASSIGNMENT = "S00000999999990000000"
NO_QUAL = "Q0000099999999"
NO_WORKER = "AW000099999999"
NO_REQUEST = "R0000099999999"
IPV = "AWS.MechanicalTurk.InvalidParameterValue"
s = {}


def auth_wrong_secret():
    secret = cfg["requester"]["secret_access_key"]
    # Another first character (a random secret starts with "x" one time in 64).
    wrong = ("y" if secret[0] == "x" else "x") + secret[1:]
    c = client({"access_key_id": cfg["requester"]["access_key_id"], "secret_access_key": wrong})
    refused(c.get_account_balance, name="InvalidSignatureException", c=c)


def auth_unknown_key():
    c = client({"access_key_id": "AKHD0000000000000000", "secret_access_key": cfg["requester"]["secret_access_key"]})
    refused(c.get_account_balance, name="UnrecognizedClientException", c=c)


def auth_skewed(minutes):
    def run():
        with SkewedClock(datetime.timedelta(minutes=minutes)):
            c = client(cfg["requester"])
            refused(c.get_account_balance, name="InvalidSignatureException",
                    message="Signature expired" if minutes < 0 else "Signature not yet current", c=c)
        # The same client and clock, unpatched: accepted.
        balance()
    return run


def auth_tampered():
    c = client(cfg["requester"])

    def tamper(request, **_):
        request.body = json.dumps({"HITId": NO_HIT}).encode()  # was signed for another HITId
        request.headers["Content-Length"] = str(len(request.body))

    c.meta.events.register("before-send.mturk.GetHIT", tamper)
    refused(lambda: c.get_hit(HITId="H0000000000001"), name="InvalidSignatureException", c=c)


def auth_header_changed():
    c = client(cfg["requester"])

    def retarget(request, **_):
        request.headers["X-Amz-Target"] = "MTurkRequesterServiceV20170117.ListHITs"  # signed as GetAccountBalance

    c.meta.events.register("before-send.mturk.GetAccountBalance", retarget)
    refused(c.get_account_balance, name="InvalidSignatureException", c=c)


def hand_unsigned():
    status, doc = post({"Content-Type": "application/x-amz-json-1.1",
                        "X-Amz-Target": "MTurkRequesterServiceV20170117.GetAccountBalance"})
    assert status == 403, (status, doc)
    assert doc["__type"] == "MissingAuthenticationTokenException", doc


def hand_malformed():
    status, doc = post({"Content-Type": "application/x-amz-json-1.1",
                        "X-Amz-Target": "MTurkRequesterServiceV20170117.GetAccountBalance",
                        "X-Amz-Date": datetime.datetime.utcnow().strftime(botocore.auth.SIGV4_TIMESTAMP),
                        "Authorization": "AWS4-HMAC-SHA256 Credential=garbage, Signature=zz"})
    assert status == 400, (status, doc)
    assert doc["__type"] == "IncompleteSignatureException", doc


def hand_signed(minutes_ago, expect_ok):
    def run():
        when = datetime.datetime.utcnow() - datetime.timedelta(minutes=minutes_ago)
        status, doc = post(signed_headers(cfg["requester"], "GetAccountBalance", b"{}", when))
        if expect_ok:
            assert status == 200, (status, doc)
            cents(doc["AvailableBalance"])
        else:
            assert status == 400, (status, doc)
            assert doc["__type"] == "InvalidSignatureException", doc
            assert "Signature expired" in (doc.get("message") or doc.get("Message") or ""), doc
    return run


check("auth: a wrong secret is InvalidSignatureException", auth_wrong_secret)
check("auth: an unknown access key is UnrecognizedClientException", auth_unknown_key)
check("auth: boto3 with its clock 20 minutes behind (a request replayed too late) is refused, \"Signature expired\"",
      auth_skewed(-20))
check("auth: boto3 with its clock 20 minutes ahead is refused, \"Signature not yet current\"", auth_skewed(20))
check("auth: a body changed after signing is InvalidSignatureException", auth_tampered)
check("auth: a signed header (X-Amz-Target) changed after signing is InvalidSignatureException", auth_header_changed)
check("hand-built: an unsigned request is MissingAuthenticationTokenException (403)", hand_unsigned)
check("hand-built: a malformed Authorization header is IncompleteSignatureException (400)", hand_malformed)
check("hand-built: signed by botocore's SigV4Auth now is accepted", hand_signed(0, True))


def hand_other_service():
    when = datetime.datetime.utcnow()
    status, doc = post(signed_headers(cfg["requester"], "GetAccountBalance", b"{}", when, service="sqs"))
    assert status == 400, (status, doc)
    assert doc["__type"] == "InvalidSignatureException", doc


check("hand-built: signed for another service (sqs) is InvalidSignatureException", hand_other_service)
check("hand-built: signed by botocore's SigV4Auth 20 minutes ago is refused, \"Signature expired\"", hand_signed(20, False))

w1 = step("worker 1 connects over the WebSocket", lambda: Worker(W1))
w2 = step("worker 2 connects over the WebSocket", lambda: Worker(W2))
w3 = step("worker 3 connects over the WebSocket", lambda: Worker(W3))


def start_balance():
    b = balance()
    assert b["available"] >= 10000, f"the requester has at least $100 (has {b['available']} cents)"
    return b


start = step("GetAccountBalance before", start_balance)


# Qualification types and grants.
def create_qual():
    q = mt.create_qualification_type(Name=f"skill {SUFFIX}", Description="How good the worker is at labelling",
                                     Keywords="label, skill", QualificationTypeStatus="Active",
                                     AutoGranted=False)["QualificationType"]
    assert q["QualificationTypeId"]
    assert q["Name"] == f"skill {SUFFIX}"
    assert q["QualificationTypeStatus"] == "Active"
    near(q["CreationTime"], time.time(), 120, "CreationTime")
    s["qual"] = q["QualificationTypeId"]


step("CreateQualificationType (Active)", create_qual)


def get_qual():
    q = mt.get_qualification_type(QualificationTypeId=s["qual"])["QualificationType"]
    assert q["QualificationTypeId"] == s["qual"]
    assert q["Description"] == "How good the worker is at labelling"


step("GetQualificationType", get_qual)
step("UpdateQualificationType (description)", lambda: _eq(
    mt.update_qualification_type(QualificationTypeId=s["qual"], Description="Labelling skill, 0-100")
    ["QualificationType"]["Description"], "Labelling skill, 0-100"))



def list_quals():
    r = mt.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True, MaxResults=100)
    ids = [q["QualificationTypeId"] for q in r["QualificationTypes"]]
    assert s["qual"] in ids, ids
    assert r["NumResults"] == len(ids)


step("ListQualificationTypes (owned by the caller) lists it", list_quals)


def grant():
    for w, v in ((W1, 90), (W2, 10), (W3, 80)):
        mt.associate_qualification_with_worker(QualificationTypeId=s["qual"], WorkerId=w["worker_id"],
                                               IntegerValue=v, SendNotification=False)
    w1.event("qualification.granted", lambda e: e.get("qualification_type_id") == s["qual"])


step("AssociateQualificationWithWorker: worker 1 = 90, worker 2 = 10, worker 3 = 80", grant)


def score():
    q = mt.get_qualification_score(QualificationTypeId=s["qual"], WorkerId=W1["worker_id"])["Qualification"]
    _eq(q["QualificationTypeId"], s["qual"])
    _eq(q["WorkerId"], W1["worker_id"])
    _eq(q["IntegerValue"], 90)
    _eq(q["Status"], "Granted")


step("GetQualificationScore", score)


def workers_with():
    r = mt.list_workers_with_qualification_type(QualificationTypeId=s["qual"], Status="Granted", MaxResults=100)
    _eq(sorted(q["WorkerId"] for q in r["Qualifications"]), sorted(w["worker_id"] for w in (W1, W2, W3)))


step("ListWorkersWithQualificationType lists the three", workers_with)


# Qualification requests: workers ask over the WebSocket protocol; the
# requester lists, accepts and rejects them through boto3.
def reviewed_type():
    s["reviewed"] = mt.create_qualification_type(
        Name=f"reviewed {SUFFIX}", Description="Granted after review", QualificationTypeStatus="Active",
        RetryDelayInSeconds=0)["QualificationType"]["QualificationTypeId"]


step("CreateQualificationType (requestable, reviewed by the requester)", reviewed_type)


def workers_request():
    for w in (w1, w2):
        r = w.ok("request_qualification", "qualification_requested", qualification_type_id=s["reviewed"],
                 answer="I have labelled 1,000 photos")
        _eq(r["granted"], False)
        assert r.get("qualification_request_id", "").isalnum(), r


step("workers 1 and 2 request it over the WebSocket protocol; the requests wait", workers_request)


def qual_requests():
    r = mt.list_qualification_requests(QualificationTypeId=s["reviewed"], MaxResults=100)
    _eq(r["NumResults"], 2)
    by_worker = {q["WorkerId"]: q for q in r["QualificationRequests"]}
    for w in (W1, W2):
        q = by_worker[w["worker_id"]]
        _eq(q["QualificationTypeId"], s["reviewed"])
        _eq(q["Answer"], "I have labelled 1,000 photos")
        assert isinstance(q["SubmitTime"], datetime.datetime), q
    s["request1"] = by_worker[W1["worker_id"]]["QualificationRequestId"]
    s["request2"] = by_worker[W2["worker_id"]]["QualificationRequestId"]


step("ListQualificationRequests lists both, with the answers", qual_requests)


def accept_request():
    mt.accept_qualification_request(QualificationRequestId=s["request1"], IntegerValue=75)
    w1.event("qualification.granted", lambda e: e.get("qualification_type_id") == s["reviewed"])
    q = mt.get_qualification_score(QualificationTypeId=s["reviewed"], WorkerId=W1["worker_id"])["Qualification"]
    _eq(q["IntegerValue"], 75)


step("AcceptQualificationRequest (worker 1, value 75): the grant reaches the worker", accept_request)


def reject_request():
    mt.reject_qualification_request(QualificationRequestId=s["request2"], Reason="not enough experience")
    refused(lambda: mt.get_qualification_score(QualificationTypeId=s["reviewed"], WorkerId=W2["worker_id"]),
            code="AWS.MechanicalTurk.QualificationDoesNotExist")
    _eq(mt.list_qualification_requests(QualificationTypeId=s["reviewed"]).get("NumResults", 0), 0)
    refused(lambda: mt.accept_qualification_request(QualificationRequestId=s["request2"]),
            code="AWS.MechanicalTurk.QualificationRequestDoesNotExist")


step("RejectQualificationRequest (worker 2): no qualification, and the request is gone", reject_request)


# HIT types and HITs.
def requirement():
    return {"QualificationTypeId": s["qual"], "Comparator": "GreaterThan", "IntegerValues": [50],
            "ActionsGuarded": "Accept"}


def create_type1():
    args = dict(Title=f"Label a photo {SUFFIX}", Description="Say what is in the picture", Keywords="image, label",
                Reward="0.50", AssignmentDurationInSeconds=600, AutoApprovalDelayInSeconds=86400,
                QualificationRequirements=[requirement()])
    s["type1"] = mt.create_hit_type(**args)["HITTypeId"]
    assert re.fullmatch(r"[A-Z0-9]+", s["type1"])
    _eq(mt.create_hit_type(**args)["HITTypeId"], s["type1"], "the same properties register the same HIT type:")


step("CreateHITType with a qualification requirement", create_type1)


def create_type2():
    s["type2"] = mt.create_hit_type(Title=f"Transcribe a receipt {SUFFIX}", Description="Type the total",
                                    Reward="0.25", AssignmentDurationInSeconds=300,
                                    AutoApprovalDelayInSeconds=3600)["HITTypeId"]
    assert s["type2"] != s["type1"]


step("CreateHITType without requirements", create_type2)


def notification(events_, version="2006-05-05"):
    # 2006-05-05 is the model's version; 2014-08-15 that of the JSON documents MTurk sends to SQS.
    return {"Destination": DESTINATION, "Transport": "SQS", "Version": version, "EventTypes": events_}


step("UpdateNotificationSettings (HTTP destination, Active)", lambda: mt.update_notification_settings(
    HITTypeId=s["type1"], Active=True,
    Notification=notification(["AssignmentAccepted", "AssignmentSubmitted", "AssignmentApproved",
                               "AssignmentRejected", "HITReviewable", "HITExpired"])))


def ping():
    mt.send_test_event_notification(Notification=notification(["AssignmentSubmitted"], "2014-08-15"),
                                    TestEventType="Ping")
    notified("Ping", lambda e: e.get("EventType") == "Ping")


check("SendTestEventNotification (Ping) arrives", ping)


def create_hit1():
    h = mt.create_hit_with_hit_type(HITTypeId=s["type1"], MaxAssignments=3, LifetimeInSeconds=3600, Question=QUESTION,
                                    RequesterAnnotation="batch-1", UniqueRequestToken=f"hit1-{SUFFIX}")["HIT"]
    _eq(h["HITTypeId"], s["type1"])
    _eq(h["MaxAssignments"], 3)
    _eq(h["Reward"], "0.50")
    _eq(h["HITStatus"], "Assignable")
    near(h["Expiration"], time.time() + 3600, 120, "Expiration")
    s["hit1"] = h["HITId"]


step("CreateHITWithHITType (3 assignments, 1 hour)", create_hit1)


def hit1_again():
    e = refused(lambda: mt.create_hit_with_hit_type(HITTypeId=s["type1"], MaxAssignments=3, LifetimeInSeconds=3600,
                                                    Question=QUESTION, UniqueRequestToken=f"hit1-{SUFFIX}"),
                code="AWS.MechanicalTurk.HitAlreadyExists")
    assert s["hit1"] in e.response["Error"]["Message"], f"the message names the first HIT: {describe(e)}"


step("CreateHITWithHITType again with the same UniqueRequestToken: HitAlreadyExists", hit1_again)


def create_hit2():
    h = mt.create_hit(Title=f"Check an address {SUFFIX}", Description="Is the address complete?", Keywords="address",
                      Reward="0.25", MaxAssignments=1, LifetimeInSeconds=3600, AssignmentDurationInSeconds=300,
                      AutoApprovalDelayInSeconds=3600, Question=QUESTION,
                      QualificationRequirements=[{"QualificationTypeId": s["qual"],
                                                  "Comparator": "GreaterThanOrEqualTo", "IntegerValues": [80],
                                                  "ActionsGuarded": "DiscoverPreviewAndAccept"}])["HIT"]
    s["hit2"] = h["HITId"]
    _eq(h["Title"], f"Check an address {SUFFIX}")
    _eq(len(h["QualificationRequirements"]), 1)


step("CreateHIT (inline properties, a requirement guarding discovery)", create_hit2)


def balance_after_create():
    b = balance()
    _eq(b["available"], start["available"] - 210, "available")
    _eq(b["on_hold"], start["on_hold"] + 210, "on hold")


step("GetAccountBalance after creating: $2.10 on hold (3 x (0.50 + 0.10) + 1 x (0.25 + 0.05))", balance_after_create)


def get_hit():
    h = mt.get_hit(HITId=s["hit1"])["HIT"]
    for k, v in (("HITId", s["hit1"]), ("HITTypeId", s["type1"]), ("Title", f"Label a photo {SUFFIX}"),
                 ("Description", "Say what is in the picture"), ("Keywords", "image, label"), ("Question", QUESTION),
                 ("RequesterAnnotation", "batch-1"), ("MaxAssignments", 3), ("AssignmentDurationInSeconds", 600),
                 ("AutoApprovalDelayInSeconds", 86400), ("HITStatus", "Assignable"),
                 ("HITReviewStatus", "NotReviewed"), ("NumberOfAssignmentsAvailable", 3),
                 ("NumberOfAssignmentsPending", 0), ("NumberOfAssignmentsCompleted", 0)):
        _eq(h.get(k), v, k)
    # RequiredToPreview (deprecated, implied by ActionsGuarded) may come too, as Amazon sends it.
    reqs = [dict(r) for r in h["QualificationRequirements"]]
    for r in reqs:
        assert r.pop("RequiredToPreview", False) is False, f"RequiredToPreview with ActionsGuarded Accept: {reqs}"
    _eq(reqs, [requirement()], "QualificationRequirements")
    near(h["CreationTime"], time.time(), 120, "CreationTime")


step("GetHIT", get_hit)


def list_hits_paged():
    seen = []
    for page in mt.get_paginator("list_hits").paginate(PaginationConfig={"PageSize": 1}):
        assert len(page.get("HITs", [])) <= 1, "at most MaxResults per page"
        seen += [h["HITId"] for h in page.get("HITs", [])]
        assert len(seen) < 1000, "the pages end"
    assert s["hit1"] in seen and s["hit2"] in seen, seen
    assert len(set(seen)) == len(seen), "no HIT twice"


step("ListHITs, one per page through botocore's paginator, lists both", list_hits_paged)


def hits_for_qual():
    ids = [h["HITId"] for h in mt.list_hits_for_qualification_type(QualificationTypeId=s["qual"], MaxResults=100)["HITs"]]
    assert s["hit1"] in ids and s["hit2"] in ids, ids


step("ListHITsForQualificationType lists both", hits_for_qual)

# Workers accept and submit over the WebSocket.
step("worker 2 (score 10) may not accept HIT 1: does_not_meet_requirements",
     lambda: w2.refused_with("accept", "does_not_meet_requirements", hit_id=s["hit1"]))


def accept():
    s["a1"] = w1.ok("accept", "accepted", hit_id=s["hit1"])["assignment"]["assignment_id"]
    s["a3"] = w3.ok("accept", "accepted", hit_id=s["hit1"])["assignment"]["assignment_id"]
    s["a2"] = w1.ok("accept", "accepted", hit_id=s["hit2"])["assignment"]["assignment_id"]


step("workers 1 and 3 accept HIT 1, worker 1 accepts HIT 2", accept)


def of_hit1(kind):
    return lambda e: e.get("EventType") == kind and e.get("HITId") == s["hit1"] and e.get("HITTypeId") == s["type1"]


check("notification AssignmentAccepted arrives", lambda: notified("AssignmentAccepted", of_hit1("AssignmentAccepted")))


def submit():
    w1.ok("submit", "submitted", assignment_id=s["a1"], answer=answer("a cat"))
    w3.ok("submit", "submitted", assignment_id=s["a3"], answer=answer("a dog"))
    w1.ok("submit", "submitted", assignment_id=s["a2"], answer=answer("complete"))


step("they submit", submit)
check("notification AssignmentSubmitted arrives", lambda: notified("AssignmentSubmitted", of_hit1("AssignmentSubmitted")))


def list_assignments():
    r = mt.list_assignments_for_hit(HITId=s["hit1"], AssignmentStatuses=["Submitted"], MaxResults=100)
    _eq(r["NumResults"], 2, "NumResults")
    by_worker = {a["WorkerId"]: a for a in r["Assignments"]}
    _eq(by_worker[W1["worker_id"]]["AssignmentId"], s["a1"])
    _eq(by_worker[W3["worker_id"]]["AssignmentId"], s["a3"])
    for a in r["Assignments"]:
        _eq(a["HITId"], s["hit1"])
        _eq(a["AssignmentStatus"], "Submitted")
        near(a["AutoApprovalTime"], a["SubmitTime"].timestamp() + 86400, 5, "AutoApprovalTime")
        near(a["AcceptTime"], time.time(), 120, "AcceptTime")
    _eq(by_worker[W1["worker_id"]]["Answer"], answer("a cat"))


step("ListAssignmentsForHIT (Submitted)", list_assignments)


def get_assignment():
    r = mt.get_assignment(AssignmentId=s["a1"])
    _eq(r["Assignment"]["AssignmentId"], s["a1"])
    _eq(r["Assignment"]["WorkerId"], W1["worker_id"])
    _eq(r["Assignment"]["AssignmentStatus"], "Submitted")
    _eq(r["HIT"]["HITId"], s["hit1"])
    _eq(r["HIT"]["NumberOfAssignmentsPending"], 0)
    _eq(r["HIT"]["NumberOfAssignmentsAvailable"], 1)


step("GetAssignment", get_assignment)


def approve():
    mt.approve_assignment(AssignmentId=s["a1"], RequesterFeedback="Well done")
    w1.event("assignment.approved", lambda e: e.get("assignment_id") == s["a1"])
    a = mt.get_assignment(AssignmentId=s["a1"])["Assignment"]
    _eq(a["AssignmentStatus"], "Approved")
    _eq(a.get("RequesterFeedback"), "Well done")
    near(a["ApprovalTime"], time.time(), 120, "ApprovalTime")


step("ApproveAssignment (worker 1 is told)", approve)
step("ApproveAssignment twice: InvalidAssignmentState",
     lambda: refused(lambda: mt.approve_assignment(AssignmentId=s["a1"]), code="AWS.MechanicalTurk.InvalidAssignmentState"))
check("notification AssignmentApproved arrives", lambda: notified("AssignmentApproved", of_hit1("AssignmentApproved")))


def reject():
    mt.reject_assignment(AssignmentId=s["a3"], RequesterFeedback="Not a dog")
    w3.event("assignment.rejected", lambda e: e.get("assignment_id") == s["a3"])
    a = mt.get_assignment(AssignmentId=s["a3"])["Assignment"]
    _eq(a["AssignmentStatus"], "Rejected")
    near(a["RejectionTime"], time.time(), 120, "RejectionTime")


step("RejectAssignment (worker 3 is told)", reject)
check("notification AssignmentRejected arrives", lambda: notified("AssignmentRejected", of_hit1("AssignmentRejected")))
step("RejectAssignment of a rejected assignment: InvalidAssignmentState",
     lambda: refused(lambda: mt.reject_assignment(AssignmentId=s["a3"], RequesterFeedback="again"),
                     code="AWS.MechanicalTurk.InvalidAssignmentState"))
step("ApproveAssignment of a rejected one without OverrideRejection: InvalidAssignmentState",
     lambda: refused(lambda: mt.approve_assignment(AssignmentId=s["a3"]), code="AWS.MechanicalTurk.InvalidAssignmentState"))


def override():
    mt.approve_assignment(AssignmentId=s["a3"], OverrideRejection=True, RequesterFeedback="Sorry")
    _eq(mt.get_assignment(AssignmentId=s["a3"])["Assignment"]["AssignmentStatus"], "Approved")
    w3.event("assignment.approved", lambda e: e.get("assignment_id") == s["a3"])


step("ApproveAssignment with OverrideRejection", override)
step("RejectAssignment of HIT 2's assignment",
     lambda: mt.reject_assignment(AssignmentId=s["a2"], RequesterFeedback="Incomplete"))


# Bonuses.
def bonus():
    mt.send_bonus(WorkerId=W1["worker_id"], AssignmentId=s["a1"], BonusAmount="1.00", Reason="Great work",
                  UniqueRequestToken=f"bonus-{SUFFIX}")
    e = w1.event("bonus.paid", lambda x: x.get("assignment_id") == s["a1"])
    _eq(e["amount"], "1.00")


step("SendBonus (worker 1 is told)", bonus)


def bonus_again():
    try:
        mt.send_bonus(WorkerId=W1["worker_id"], AssignmentId=s["a1"], BonusAmount="1.00", Reason="Great work",
                      UniqueRequestToken=f"bonus-{SUFFIX}")
    except ClientError as e:  # MTurk may refuse the repeat; it must not pay twice
        _eq(e.response["Error"]["Code"], "RequestError")


step("SendBonus repeated with its UniqueRequestToken pays once", bonus_again)


def list_bonuses():
    for args in ({"HITId": s["hit1"]}, {"AssignmentId": s["a1"]}):
        r = mt.list_bonus_payments(MaxResults=100, **args)
        _eq(r["NumResults"], 1, str(args))
        b = r["BonusPayments"][0]
        _eq(b["WorkerId"], W1["worker_id"])
        _eq(b["AssignmentId"], s["a1"])
        _eq(b["BonusAmount"], "1.00")
        _eq(b["Reason"], "Great work")
        near(b["GrantTime"], time.time(), 120, "GrantTime")


step("ListBonusPayments by HIT and by assignment", list_bonuses)


def balance_after_pay():
    b = balance()
    _eq(b["available"] + b["on_hold"], start["available"] + start["on_hold"] - 240, "total")
    _eq(b["on_hold"], start["on_hold"] + 60, "on hold")


step("GetAccountBalance: two approvals (2 x 0.60) and the bonus (1.00 + 0.20) spent; HIT 1's open slot (0.60) on hold",
     balance_after_pay)


def dashboards():
    e1 = w1.ok("dashboard", "dashboard")["earnings"]
    _eq((e1["rewards"], e1["bonuses"]), ("0.50", "1.00"), "worker 1's earnings")  # HIT 1; HIT 2's was rejected
    e3 = w3.ok("dashboard", "dashboard")["earnings"]
    _eq((e3["rewards"], e3["bonuses"]), ("0.50", "0.00"), "worker 3's earnings")  # the overridden rejection


step("the workers' dashboards: what the requester paid, less the fees", dashboards)


def more_assignments():
    mt.create_additional_assignments_for_hit(HITId=s["hit2"], NumberOfAdditionalAssignments=1,
                                             UniqueRequestToken=f"more-{SUFFIX}")
    _eq(mt.get_hit(HITId=s["hit2"])["HIT"]["MaxAssignments"], 2)


step("CreateAdditionalAssignmentsForHIT (HIT 2: 1 -> 2)", more_assignments)
step("CreateAdditionalAssignmentsForHIT across 10 assignments: InvalidMaximumAssignmentsIncrease",
     lambda: refused(lambda: mt.create_additional_assignments_for_hit(HITId=s["hit1"], NumberOfAdditionalAssignments=7),
                     code="AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease"))


def retype():
    mt.update_hit_type_of_hit(HITId=s["hit2"], HITTypeId=s["type2"])
    h = mt.get_hit(HITId=s["hit2"])["HIT"]
    _eq(h["HITTypeId"], s["type2"])
    _eq(h["Title"], f"Transcribe a receipt {SUFFIX}")
    _eq(h.get("QualificationRequirements", []), [])


step("UpdateHITTypeOfHIT (HIT 2 to the type without requirements)", retype)


def block():
    mt.create_worker_block(WorkerId=W2["worker_id"], Reason="Random answers")
    blocks = mt.list_worker_blocks(MaxResults=100)["WorkerBlocks"]
    b = next((x for x in blocks if x["WorkerId"] == W2["worker_id"]), None)
    assert b, blocks
    _eq(b["Reason"], "Random answers")
    w2.event("worker.blocked")


step("CreateWorkerBlock, ListWorkerBlocks", block)
step("a blocked worker may not accept: worker_blocked",
     lambda: w2.refused_with("accept", "worker_blocked", hit_id=s["hit2"]))


def unblock():
    mt.delete_worker_block(WorkerId=W2["worker_id"], Reason="Second chance")
    assert not any(x["WorkerId"] == W2["worker_id"] for x in mt.list_worker_blocks(MaxResults=100).get("WorkerBlocks", []))
    a = w2.ok("accept", "accepted", hit_id=s["hit2"])["assignment"]["assignment_id"]
    w2.ok("return", "returned", assignment_id=a)


step("DeleteWorkerBlock; the worker accepts, then returns", unblock)


def notify():
    r = mt.notify_workers(Subject="Thanks", MessageText="More HITs tomorrow", WorkerIds=[W1["worker_id"], NO_WORKER])
    _eq(w1.event("worker.notified")["subject"], "Thanks")
    _eq([f["WorkerId"] for f in r.get("NotifyWorkersFailureStatuses", [])], [NO_WORKER], "failure statuses")


step("NotifyWorkers (worker 1 is told; an unknown worker is a failure status)", notify)


def revoke():
    mt.disassociate_qualification_from_worker(QualificationTypeId=s["qual"], WorkerId=W2["worker_id"], Reason="Retired")
    w2.event("qualification.revoked", lambda e: e.get("qualification_type_id") == s["qual"])
    r = mt.list_workers_with_qualification_type(QualificationTypeId=s["qual"], Status="Granted")
    assert not any(q["WorkerId"] == W2["worker_id"] for q in r["Qualifications"])


step("DisassociateQualificationFromWorker (worker 2)", revoke)


def extend():
    at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2)
    mt.update_expiration_for_hit(HITId=s["hit2"], ExpireAt=at)
    near(mt.get_hit(HITId=s["hit2"])["HIT"]["Expiration"], at.timestamp(), 2, "Expiration")


step("UpdateExpirationForHIT into the future (HIT 2: 2 hours)", extend)


def expire():
    for h in (s["hit1"], s["hit2"]):
        mt.update_expiration_for_hit(HITId=h, ExpireAt=datetime.datetime.now(datetime.timezone.utc)
                                     - datetime.timedelta(minutes=1))
    h = mt.get_hit(HITId=s["hit1"])["HIT"]
    _eq(h["HITStatus"], "Reviewable")
    assert h["Expiration"].timestamp() <= time.time() + 1, h["Expiration"]


step("UpdateExpirationForHIT in the past expires HITs 1 and 2 now", expire)
check("notification HITExpired or HITReviewable arrives for HIT 1", lambda: notified(
    "HITExpired/HITReviewable", lambda e: e.get("EventType") in ("HITExpired", "HITReviewable")
    and e.get("HITId") == s["hit1"] and e.get("HITTypeId") == s["type1"]))


def reviewable():
    r = mt.list_reviewable_hits(HITTypeId=s["type1"], Status="Reviewable", MaxResults=100)
    _eq([h["HITId"] for h in r["HITs"]], [s["hit1"]])


step("ListReviewableHITs lists HIT 1", reviewable)


def review_status():
    mt.update_hit_review_status(HITId=s["hit1"], Revert=False)
    assert any(h["HITId"] == s["hit1"] for h in mt.list_reviewable_hits(Status="Reviewing", MaxResults=100)["HITs"])
    _eq(mt.get_hit(HITId=s["hit1"])["HIT"]["HITStatus"], "Reviewing")
    mt.update_hit_review_status(HITId=s["hit1"], Revert=True)
    assert any(h["HITId"] == s["hit1"] for h in mt.list_reviewable_hits(Status="Reviewable", MaxResults=100)["HITs"])


step("UpdateHITReviewStatus: Reviewing, then back", review_status)


def final_balance():
    b = until("the holds released", lambda: (lambda x: x if x["on_hold"] == start["on_hold"] else None)(balance()))
    _eq(b["available"], start["available"] - 240, "available")


step("GetAccountBalance after: exactly the approvals, their fees, the bonus and its fee spent; nothing on hold",
     final_balance)


def delete_hits():
    mt.delete_hit(HITId=s["hit1"])
    mt.delete_hit(HITId=s["hit2"])
    seen = [h["HITId"] for p in mt.get_paginator("list_hits").paginate() for h in p.get("HITs", [])]
    assert s["hit1"] not in seen, "ListHITs does not list a deleted HIT"
    try:
        _eq(mt.get_hit(HITId=s["hit1"])["HIT"]["HITStatus"], "Disposed")
    except ClientError as e:
        _eq(turk_code(e), "AWS.MechanicalTurk.HITDoesNotExist")


step("DeleteHIT", delete_hits)


def delete_qual():
    s["qual2"] = mt.create_qualification_type(Name=f"old {SUFFIX}", Description="to delete",
                                              QualificationTypeStatus="Inactive")["QualificationType"]["QualificationTypeId"]
    mt.delete_qualification_type(QualificationTypeId=s["qual2"])
    try:
        _eq(mt.get_qualification_type(QualificationTypeId=s["qual2"])["QualificationType"]["QualificationTypeStatus"],
            "Inactive")  # MTurk deletes asynchronously (up to 48 hours); its model's statuses are Active, Inactive
    except ClientError as e:
        _eq(turk_code(e), "AWS.MechanicalTurk.QualificationTypeDoesNotExist")


step("DeleteQualificationType", delete_qual)

# Another requester's view: nothing of this requester's.
# Another requester's HITs and assignments do not exist for it (docs/mturk-compat.md).
DENIED_HIT = "AWS.MechanicalTurk.HITDoesNotExist"
DENIED_ASSIGNMENT = "AWS.MechanicalTurk.AssignmentDoesNotExist"
if not aborted:
    def other_get_hit():
        s["hit3"] = mt.create_hit_with_hit_type(HITTypeId=s["type2"], MaxAssignments=1, LifetimeInSeconds=600,
                                                Question=QUESTION)["HIT"]["HITId"]
        e = refused(lambda: other.get_hit(HITId=s["hit3"]), code=DENIED_HIT, c=other)
        assert "Transcribe" not in e.response["Error"]["Message"], f"the message reveals the HIT: {describe(e)}"

    def other_list():
        assert not any(h["HITId"] == s["hit3"] for h in other.list_hits(MaxResults=100).get("HITs", []))

    def other_denied(method, args, code):
        def run():
            e = refused(lambda: getattr(other, method)(**args), code=code, c=other)
            assert not re.search("another requester|belongs", e.response["Error"]["Message"], re.I), \
                f"the message hints at what is there: {describe(e)}"
        return run

    def other_changed_nothing():
        h = mt.get_hit(HITId=s["hit3"])["HIT"]
        _eq(h["HITStatus"], "Assignable")
        _eq(h["MaxAssignments"], 1)
        _eq(mt.list_bonus_payments(HITId=s["hit1"])["NumResults"], 1)

    def other_qual():
        refused(lambda: other.associate_qualification_with_worker(QualificationTypeId=s["qual"],
                                                                  WorkerId=W2["worker_id"], IntegerValue=100),
                code=["AWS.MechanicalTurk.PermissionDenied", "AWS.MechanicalTurk.QualificationTypeDoesNotExist"],
                c=other)

    check("another requester: GetHIT of this requester's HIT is refused and reveals nothing", other_get_hit)
    check("another requester: ListHITs does not list this requester's HITs", other_list)
    for op, method, args, code in (
            ("UpdateExpirationForHIT", "update_expiration_for_hit",
             {"HITId": s["hit3"], "ExpireAt": datetime.datetime(1970, 1, 1)}, DENIED_HIT),
            ("CreateAdditionalAssignmentsForHIT", "create_additional_assignments_for_hit",
             {"HITId": s["hit3"], "NumberOfAdditionalAssignments": 1}, DENIED_HIT),
            ("UpdateHITReviewStatus", "update_hit_review_status", {"HITId": s["hit1"], "Revert": False}, DENIED_HIT),
            ("DeleteHIT", "delete_hit", {"HITId": s["hit3"]}, DENIED_HIT),
            ("ListAssignmentsForHIT", "list_assignments_for_hit", {"HITId": s["hit1"]}, DENIED_HIT),
            ("ListBonusPayments", "list_bonus_payments", {"HITId": s["hit1"]}, DENIED_HIT),
            ("GetAssignment", "get_assignment", {"AssignmentId": s["a1"]}, DENIED_ASSIGNMENT),
            ("ApproveAssignment", "approve_assignment", {"AssignmentId": s["a2"], "OverrideRejection": True},
             DENIED_ASSIGNMENT),
            ("RejectAssignment", "reject_assignment", {"AssignmentId": s["a2"], "RequesterFeedback": "x"},
             DENIED_ASSIGNMENT),
            ("SendBonus", "send_bonus", {"WorkerId": W1["worker_id"], "AssignmentId": s["a1"], "BonusAmount": "0.01",
                                         "Reason": "x"}, DENIED_ASSIGNMENT)):
        check(f"another requester: {op} of this requester's -> {code}", other_denied(method, args, code))

    def other_hand_built():
        body = json.dumps({"HITId": s["hit3"]}).encode()
        status, doc = post(signed_headers(cfg["other"], "GetHIT", body, datetime.datetime.utcnow()), body)
        assert status == 400, (status, doc)
        _eq((doc["__type"], doc.get("TurkErrorCode")), ("RequestError", DENIED_HIT), "error")
        assert "Transcribe" not in json.dumps(doc), f"the answer reveals the HIT: {doc}"

    check("hand-built: another requester's signed GetHIT of this requester's HIT -> " + DENIED_HIT, other_hand_built)
    check("another requester changed nothing", other_changed_nothing)
    check("another requester: AssociateQualificationWithWorker of this requester's type refused", other_qual)

# Each operation's main error case, as botocore reports it. Values given as
# callables are taken from the flow when the case runs. A qualification type
# nobody holds and a HIT nobody took, whatever became of the flow.


def error_fixtures():
    s["err_qual"] = mt.create_qualification_type(Name=f"unused {SUFFIX}", Description="nobody holds it",
                                                 QualificationTypeStatus="Active")["QualificationType"]["QualificationTypeId"]
    s["err_hit"] = mt.create_hit(Title=f"Untouched {SUFFIX}", Description="nobody takes it", Reward="0.10",
                                 MaxAssignments=1, LifetimeInSeconds=600, AssignmentDurationInSeconds=60,
                                 Question=QUESTION)["HIT"]["HITId"]


check("error cases: a qualification type nobody holds, a HIT nobody took", error_fixtures)
ERROR_CASES = [
    ("AcceptQualificationRequest", "accept_qualification_request", {"QualificationRequestId": NO_REQUEST},
     "AWS.MechanicalTurk.QualificationRequestDoesNotExist"),
    ("ApproveAssignment", "approve_assignment", {"AssignmentId": NO_ASSIGNMENT}, "AWS.MechanicalTurk.AssignmentDoesNotExist"),
    ("AssociateQualificationWithWorker", "associate_qualification_with_worker",
     {"QualificationTypeId": NO_QUAL, "WorkerId": W1["worker_id"], "IntegerValue": 1},
     "AWS.MechanicalTurk.QualificationTypeDoesNotExist"),
    ("CreateAdditionalAssignmentsForHIT", "create_additional_assignments_for_hit",
     {"HITId": NO_HIT, "NumberOfAdditionalAssignments": 1}, "AWS.MechanicalTurk.HITDoesNotExist"),
    ("CreateHIT (too expensive)", "create_hit",
     {"Title": "t", "Description": "d", "Reward": "99999.00", "MaxAssignments": 1, "LifetimeInSeconds": 600,
      "AssignmentDurationInSeconds": 60, "Question": QUESTION}, "AWS.MechanicalTurk.InsufficientFunds"),
    ("CreateHIT (LifetimeInSeconds 5)", "create_hit",
     {"Title": "t", "Description": "d", "Reward": "0.10", "LifetimeInSeconds": 5, "AssignmentDurationInSeconds": 60,
      "Question": QUESTION}, IPV),
    ("CreateHITType (Reward \"abc\")", "create_hit_type",
     {"Title": "t", "Description": "d", "Reward": "abc", "AssignmentDurationInSeconds": 60}, IPV),
    ("CreateHITWithHITType", "create_hit_with_hit_type",
     {"HITTypeId": NO_TYPE, "LifetimeInSeconds": 600, "Question": QUESTION}, "AWS.MechanicalTurk.HITTypeDoesNotExist"),
    ("CreateQualificationType (a name already used)", "create_qualification_type",
     {"Name": f"skill {SUFFIX}", "Description": "dup", "QualificationTypeStatus": "Active"},
     "AWS.MechanicalTurk.QualificationTypeAlreadyExists"),
    ("CreateWorkerBlock (a malformed WorkerId)", "create_worker_block", {"WorkerId": "not-a-worker", "Reason": "r"}, IPV),
    ("DeleteHIT (not reviewable)", "delete_hit", {"HITId": lambda: s.get("err_hit")}, "AWS.MechanicalTurk.InvalidHITState"),
    ("DeleteQualificationType", "delete_qualification_type", {"QualificationTypeId": NO_QUAL},
     "AWS.MechanicalTurk.QualificationTypeDoesNotExist"),
    ("DeleteWorkerBlock (a malformed WorkerId)", "delete_worker_block", {"WorkerId": "not-a-worker"}, IPV),
    ("DisassociateQualificationFromWorker (not held)", "disassociate_qualification_from_worker",
     {"QualificationTypeId": lambda: s.get("err_qual"), "WorkerId": W1["worker_id"]},
     "AWS.MechanicalTurk.QualificationDoesNotExist"),
    ("GetAssignment", "get_assignment", {"AssignmentId": NO_ASSIGNMENT}, "AWS.MechanicalTurk.AssignmentDoesNotExist"),
    ("GetFileUploadURL", "get_file_upload_url", {"AssignmentId": NO_ASSIGNMENT, "QuestionIdentifier": "q1"},
     ["AWS.MechanicalTurk.AssignmentDoesNotExist", "AWS.MechanicalTurk.OperationNotSupported"]),
    ("GetHIT", "get_hit", {"HITId": NO_HIT}, "AWS.MechanicalTurk.HITDoesNotExist"),
    ("GetQualificationScore (not held)", "get_qualification_score",
     {"QualificationTypeId": lambda: s.get("err_qual"), "WorkerId": W1["worker_id"]},
     "AWS.MechanicalTurk.QualificationDoesNotExist"),
    ("GetQualificationType", "get_qualification_type", {"QualificationTypeId": NO_QUAL},
     "AWS.MechanicalTurk.QualificationTypeDoesNotExist"),
    ("ListAssignmentsForHIT", "list_assignments_for_hit", {"HITId": NO_HIT}, "AWS.MechanicalTurk.HITDoesNotExist"),
    ("ListBonusPayments (neither HITId nor AssignmentId)", "list_bonus_payments", {}, [IPV, "AWS.MissingParameters"]),
    ("ListHITs (MaxResults 500)", "list_hits", {"MaxResults": 500}, IPV),
    ("ListHITsForQualificationType", "list_hits_for_qualification_type", {"QualificationTypeId": NO_QUAL},
     "AWS.MechanicalTurk.QualificationTypeDoesNotExist"),
    ("ListQualificationRequests", "list_qualification_requests", {"QualificationTypeId": NO_QUAL},
     "AWS.MechanicalTurk.QualificationTypeDoesNotExist"),
    ("ListQualificationTypes (MaxResults 101)", "list_qualification_types",
     {"MustBeRequestable": False, "MaxResults": 101}, IPV),
    ("ListReviewPolicyResultsForHIT", "list_review_policy_results_for_hit", {"HITId": NO_HIT},
     ["AWS.MechanicalTurk.HITDoesNotExist", "AWS.MechanicalTurk.OperationNotSupported"]),
    ("ListReviewableHITs (Status \"Bogus\")", "list_reviewable_hits", {"Status": "Bogus"}, IPV),
    ("ListWorkerBlocks (MaxResults 101)", "list_worker_blocks", {"MaxResults": 101}, IPV),
    ("ListWorkersWithQualificationType", "list_workers_with_qualification_type", {"QualificationTypeId": NO_QUAL},
     "AWS.MechanicalTurk.QualificationTypeDoesNotExist"),
    ("NotifyWorkers (101 workers)", "notify_workers",
     {"Subject": "s", "MessageText": "m", "WorkerIds": [f"AW{i:012d}" for i in range(101)]}, IPV),
    ("RejectAssignment", "reject_assignment", {"AssignmentId": NO_ASSIGNMENT, "RequesterFeedback": "no"},
     "AWS.MechanicalTurk.AssignmentDoesNotExist"),
    ("RejectQualificationRequest", "reject_qualification_request", {"QualificationRequestId": NO_REQUEST},
     "AWS.MechanicalTurk.QualificationRequestDoesNotExist"),
    ("SendBonus (unknown assignment)", "send_bonus",
     {"WorkerId": W1["worker_id"], "AssignmentId": NO_ASSIGNMENT, "BonusAmount": "1.00", "Reason": "r"},
     "AWS.MechanicalTurk.AssignmentDoesNotExist"),
    ("SendBonus (more than the balance)", "send_bonus",
     {"WorkerId": W1["worker_id"], "AssignmentId": lambda: s.get("a1"), "BonusAmount": "99999.00", "Reason": "r"},
     "AWS.MechanicalTurk.InsufficientFunds"),
    ("SendTestEventNotification (a destination outside loopback)", "send_test_event_notification",
     {"Notification": {"Destination": "http://192.0.2.1/", "Transport": "SQS", "Version": "2006-05-05",
                       "EventTypes": ["Ping"]}, "TestEventType": "Ping"}, IPV),
    ("UpdateExpirationForHIT", "update_expiration_for_hit",
     {"HITId": NO_HIT, "ExpireAt": datetime.datetime.now(datetime.timezone.utc)}, "AWS.MechanicalTurk.HITDoesNotExist"),
    ("UpdateHITReviewStatus", "update_hit_review_status", {"HITId": NO_HIT}, "AWS.MechanicalTurk.HITDoesNotExist"),
    ("UpdateHITTypeOfHIT", "update_hit_type_of_hit", {"HITId": lambda: s.get("err_hit"), "HITTypeId": NO_TYPE},
     "AWS.MechanicalTurk.HITTypeDoesNotExist"),
    ("UpdateNotificationSettings", "update_notification_settings", {"HITTypeId": NO_TYPE, "Active": False},
     "AWS.MechanicalTurk.HITTypeDoesNotExist"),
    ("UpdateQualificationType", "update_qualification_type", {"QualificationTypeId": NO_QUAL, "Description": "x"},
     "AWS.MechanicalTurk.QualificationTypeDoesNotExist"),
]


def error_case(method, args, code):
    def run():
        resolved = {k: (v() if callable(v) else v) for k, v in args.items()}
        for k, v in resolved.items():
            assert v is not None, f"{k}: the flow did not get that far"
        refused(lambda: getattr(mt, method)(**resolved), code=code)
    return run


for what, method, args, code in ERROR_CASES:
    check(f"error: {what} -> {' | '.join(code) if isinstance(code, list) else code}", error_case(method, args, code))


def unknown_target():
    # An operation botocore does not have, signed by botocore's own signer.
    def retarget(request, **_):
        request.headers["X-Amz-Target"] = "MTurkRequesterServiceV20170117.Frobnicate"

    c = client(cfg["requester"])
    c.meta.events.register("before-sign.mturk.GetAccountBalance", retarget)
    refused(c.get_account_balance, name=["UnknownOperationException", "RequestError"], c=c)


check("error: an unknown X-Amz-Target (signed by botocore) -> UnknownOperationException", unknown_target)

for w in (w1, w2, w3):
    if w:
        w.close()
receiver.shutdown()
signal.alarm(0)
print("PASS" if not failures else f"FAILED {len(failures)}", flush=True)
sys.exit(0 if not failures else 1)
