// The MTurk requester API of `hitd serve` driven by the real, unmodified AWS
// SDK for JavaScript v3 (@aws-sdk/client-mturk from npm): the client is only
// pointed at hitd's URL with a requester's keys. Workers act over hitd's
// WebSocket protocol (docs/protocol.md) with the `ws` package. Every answer
// is parsed by the SDK; the script only looks at the objects it returns.
//
//   node mturk_scenario.mjs '<json>'
//
// <json>: {"port": 8080,
//          "requester": {"requester_id", "access_key_id", "secret_access_key"},
//          "other":     {... a second requester, with its own deposit},
//          "workers":   [{"worker_id", "token"} x 3]}
//
// Output: one line per step ("ok <step>" or "FAIL <step>: <why>"), then
// "PASS" or "FAILED <n>". Exit code 0 only when every step passed. The main
// flow stops at its first failure (later steps depend on it); the error and
// authentication cases each run on their own. The whole script is bounded
// (TOTAL_MS), and every wait too.
//
// Run by tests/gateway/mturk_sdk_test.cpp; tests/gateway/python/
// mturk_scenario.py is the same scenario with boto3.

import assert from 'node:assert/strict';
import http from 'node:http';
import * as M from '@aws-sdk/client-mturk';
import WebSocket from 'ws';

const TOTAL_MS = 150_000;
const WAIT_MS = 10_000;

const cfg = JSON.parse(process.argv[2] ?? 'null');
if (!cfg || !cfg.port || !cfg.requester || !cfg.other || !cfg.workers || cfg.workers.length < 3) {
  console.error("usage: node mturk_scenario.mjs '{\"port\":..,\"requester\":{..},\"other\":{..},\"workers\":[..x3]}'");
  process.exit(2);
}
const endpoint = `http://127.0.0.1:${cfg.port}`;
const [W1, W2, W3] = cfg.workers;

// ---- reporting -------------------------------------------------------------------------------

const failures = [];
let aborted = false;
const overall = setTimeout(() => {
  console.log(`FAIL the whole scenario within ${TOTAL_MS / 1000} s: timed out`);
  console.log(`FAILED ${failures.length + 1}`);
  process.exit(1);
}, TOTAL_MS);

function describe(e) {
  if (e && e.name && e.$metadata)
    return `${e.name} (HTTP ${e.$metadata.httpStatusCode}, TurkErrorCode ${e.TurkErrorCode ?? '-'}): ${e.message}`;
  return e && e.stack ? e.stack.split('\n').slice(0, 4).join(' | ') : String(e);
}
// A step of the main flow: a failure stops the flow (what follows depends on it).
async function step(name, fn) {
  if (aborted) return undefined;
  try {
    const r = await fn();
    console.log(`ok ${name}`);
    return r;
  } catch (e) {
    failures.push(name);
    aborted = true;
    console.log(`FAIL ${name}: ${describe(e)}`);
    return undefined;
  }
}
// An independent check: a failure is recorded and the script goes on.
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok ${name}`);
  } catch (e) {
    failures.push(name);
    console.log(`FAIL ${name}: ${describe(e)}`);
  }
}

// ---- the SDK ---------------------------------------------------------------------------------

function client(who, extra = {}) {
  return new M.MTurkClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: who.access_key_id, secretAccessKey: who.secret_access_key },
    maxAttempts: 1,   // no retries: an error reaches the test as the server sent it
    ...extra,
  });
}
const mt = client(cfg.requester);
const other = client(cfg.other);
const send = (Command, input, c = mt) => c.send(new Command(input));

// The operation must fail with this exception name, TurkErrorCode (a string
// or a list of the acceptable ones) and HTTP status.
async function refused(promise, { name = 'RequestError', code, status, message } = {}) {
  let out, err;
  try {
    out = await promise;
  } catch (e) {
    err = e;
  }
  if (!err) assert.fail(`succeeded (expected ${name} ${code ?? ''}): ${JSON.stringify(out).slice(0, 300)}`);
  const names = Array.isArray(name) ? name : [name];
  assert.ok(names.includes(err.name), `exception ${describe(err)}; expected ${names.join(' or ')}`);
  if (err.name === 'RequestError' || err.name === 'ServiceFault') {
    assert.ok(err instanceof M.MTurkServiceException, 'a modeled MTurk exception');
    assert.equal(err.$fault, err.name === 'RequestError' ? 'client' : 'server', 'fault');
  }
  if (code !== undefined) {
    const codes = Array.isArray(code) ? code : [code];
    assert.ok(codes.includes(err.TurkErrorCode), `TurkErrorCode ${err.TurkErrorCode}, expected ${codes.join(' or ')}: ${describe(err)}`);
  }
  if (status !== undefined) assert.equal(err.$metadata.httpStatusCode, status, `HTTP status: ${describe(err)}`);
  if (message !== undefined) assert.match(err.message, message);
  return err;
}

// Money as cents, from MTurk's decimal strings.
function cents(s) {
  assert.equal(typeof s, 'string', `an amount is a string: ${s}`);
  assert.match(s, /^\d+\.\d\d$/, `an amount with two decimals: ${s}`);
  const [d, c] = s.split('.');
  return Number(d) * 100 + Number(c);
}
async function balance(c = mt) {
  const b = await send(M.GetAccountBalanceCommand, {}, c);
  return { available: cents(b.AvailableBalance), onHold: cents(b.OnHoldBalance ?? '0.00') };
}
// Polls fn until it returns a truthy value (bounded).
async function until(what, fn, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what}: not within ${ms} ms`);
}
function near(date, expectedMs, slackMs, what) {
  assert.ok(date instanceof Date, `${what} is a timestamp (the SDK parsed a Date): ${date}`);
  assert.ok(Math.abs(date.getTime() - expectedMs) <= slackMs,
    `${what} ${date.toISOString()} is not within ${slackMs / 1000} s of ${new Date(expectedMs).toISOString()}`);
}

// ---- a worker over the WebSocket protocol ----------------------------------------------------

class Worker {
  static async connect(w) {
    const ws = new WebSocket(`ws://127.0.0.1:${cfg.port}/ws`, { headers: { Authorization: `Bearer ${w.token}` } });
    const me = new Worker(ws, w);
    const hello = await me.waitFor('hello', (f) => f.type === 'hello');
    assert.equal(hello.worker_id, w.worker_id, 'the hello names the token\'s worker');
    return me;
  }
  constructor(ws, w) {
    this.ws = ws;
    this.id = w.worker_id;
    this.frames = [];
    this.waiters = new Set();
    this.next = 1;
    this.closed = null;
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString('utf8')));
      for (const w of this.waiters) w();
    });
    ws.on('close', (code) => { this.closed = `closed ${code}`; for (const w of this.waiters) w(); });
    ws.on('error', (e) => { this.closed = `error ${e.message}`; for (const w of this.waiters) w(); });
  }
  waitFor(what, pred, ms = WAIT_MS) {
    return new Promise((resolve, reject) => {
      const look = () => {
        const i = this.frames.findIndex(pred);
        if (i >= 0) {
          const [f] = this.frames.splice(i, 1);
          done();
          resolve(f);
        } else if (this.closed) {
          done();
          reject(new Error(`${this.id}: waiting for ${what}: connection ${this.closed}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.id}: ${what} did not come within ${ms} ms`));
      }, ms);
      const done = () => { clearTimeout(timer); this.waiters.delete(look); };
      this.waiters.add(look);
      look();
    });
  }
  // The reply to a command: {type...} or {error: {code...}}.
  async command(op, fields = {}) {
    const id = `c${this.next++}`;
    this.ws.send(JSON.stringify({ id, op, ...fields }));
    return this.waitFor(`the reply to ${op}`, (f) => f.id === id);
  }
  async ok(op, fields, type) {
    const r = await this.command(op, fields);
    assert.ok(!r.error, `${this.id} ${op} ${JSON.stringify(fields)}: ${JSON.stringify(r.error)}`);
    assert.equal(r.type, type);
    return r;
  }
  async refusedWith(op, fields, code) {
    const r = await this.command(op, fields);
    assert.ok(r.error, `${this.id} ${op} should be refused with ${code}: ${JSON.stringify(r)}`);
    assert.equal(r.error.code, code, `${this.id} ${op}: ${JSON.stringify(r.error)}`);
  }
  event(type, pred = () => true) {
    return this.waitFor(`event ${type}`, (f) => f.type === type && f.id === undefined && pred(f));
  }
  close() { this.ws.close(); }
}

// ---- the notification receiver ---------------------------------------------------------------

const received = [];   // {body, doc}
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    let doc = null;
    try { doc = JSON.parse(body); } catch { /* kept raw: the check says so */ }
    received.push({ body, doc, contentType: req.headers['content-type'] });
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const destination = `http://127.0.0.1:${receiver.address().port}/`;
function events() {
  return received.flatMap((r) => (r.doc && Array.isArray(r.doc.Events) ? r.doc.Events : []));
}
async function notified(what, pred) {
  return until(`notification ${what} (received so far: ${received.map((r) => r.body.slice(0, 200)).join(' || ') || 'none'})`,
    () => events().find(pred), WAIT_MS);
}

// ---- the scenario ------------------------------------------------------------------------------

const question = '<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">' +
  '<Question><QuestionIdentifier>q1</QuestionIdentifier><QuestionContent><Text>What is shown?</Text></QuestionContent>' +
  '<AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question></QuestionForm>';
const answer = (text) => '<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">' +
  `<Answer><QuestionIdentifier>q1</QuestionIdentifier><FreeText>${text}</FreeText></Answer></QuestionFormAnswers>`;
const suffix = `js${Date.now()}`;
const NO_HIT = 'H0000099999999';
const NO_TYPE = 'T0000099999999';
const NO_ASSIGNMENT = 'S00000999999990000000';
const NO_QUAL = 'Q0000099999999';
const NO_WORKER = 'AW000099999999';
const NO_REQUEST = 'R0000099999999';

const s = {};   // what the flow made

// Authentication first: it needs nothing but the keys.
await check('auth: a wrong secret is InvalidSignatureException', async () => {
  // Another first character (a random secret starts with "x" one time in 64).
  const secret = cfg.requester.secret_access_key;
  const c = client({ access_key_id: cfg.requester.access_key_id, secret_access_key: (secret[0] === 'x' ? 'y' : 'x') + secret.slice(1) });
  await refused(c.send(new M.GetAccountBalanceCommand({})), { name: 'InvalidSignatureException', status: 400 });
});
await check('auth: an unknown access key is UnrecognizedClientException', async () => {
  const c = client({ access_key_id: 'AKHD0000000000000000', secret_access_key: cfg.requester.secret_access_key });
  await refused(c.send(new M.GetAccountBalanceCommand({})), { name: 'UnrecognizedClientException', status: 400 });
});
await check('auth: a request signed 20 minutes ago (replayed too late) is refused, "Signature expired"', async () => {
  // A new client: the SDK corrects its clock offset from any answer's Date header.
  const c = client(cfg.requester, { systemClockOffset: -20 * 60 * 1000 });
  await refused(c.send(new M.GetAccountBalanceCommand({})), { name: 'InvalidSignatureException', status: 400, message: /Signature expired/ });
});
await check('auth: a request signed 20 minutes in the future is refused, "Signature not yet current"', async () => {
  const c = client(cfg.requester, { systemClockOffset: 20 * 60 * 1000 });
  await refused(c.send(new M.GetAccountBalanceCommand({})), { name: 'InvalidSignatureException', status: 400, message: /Signature not yet current/ });
});
await check('auth: a body changed after signing is InvalidSignatureException', async () => {
  const c = client(cfg.requester);
  c.middlewareStack.addRelativeTo((next) => async (args) => {
    args.request.body = JSON.stringify({ HITId: NO_HIT });   // was signed for another HITId
    return next(args);
  }, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'tamper' });
  await refused(c.send(new M.GetHITCommand({ HITId: 'H0000000000001' })), { name: 'InvalidSignatureException', status: 400 });
});
await check('auth: a signed header (X-Amz-Target) changed after signing is InvalidSignatureException', async () => {
  const c = client(cfg.requester);
  c.middlewareStack.addRelativeTo((next) => async (args) => {
    args.request.headers['x-amz-target'] = 'MTurkRequesterServiceV20170117.ListHITs';   // signed as GetAccountBalance
    return next(args);
  }, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'retarget' });
  await refused(c.send(new M.GetAccountBalanceCommand({})), { name: 'InvalidSignatureException', status: 400 });
});
await check('hand-built: an unsigned request is MissingAuthenticationTokenException (403)', async () => {
  const r = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'MTurkRequesterServiceV20170117.GetAccountBalance' },
    body: '{}',
  });
  assert.equal(r.status, 403);
  const doc = await r.json();
  assert.equal(doc.__type, 'MissingAuthenticationTokenException', JSON.stringify(doc));
});
await check('hand-built: a malformed Authorization header is IncompleteSignatureException (400)', async () => {
  const r = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': 'MTurkRequesterServiceV20170117.GetAccountBalance',
      'X-Amz-Date': new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''),
      Authorization: 'AWS4-HMAC-SHA256 Credential=garbage, Signature=zz',
    },
    body: '{}',
  });
  assert.equal(r.status, 400);
  const doc = await r.json();
  assert.equal(doc.__type, 'IncompleteSignatureException', JSON.stringify(doc));
});

// Requests the SDK signed, replayed by hand with fetch.
async function signedBySdk(c, command) {
  let captured;
  c.middlewareStack.addRelativeTo((next) => async (args) => {
    captured = { headers: { ...args.request.headers }, body: args.request.body };
    return next(args);
  }, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'capture' });
  await c.send(command).catch(() => {});
  assert.ok(captured, 'the SDK signed a request');
  return captured;
}
async function replay(req) {
  const headers = { ...req.headers };
  delete headers.host;             // fetch sets the same one (127.0.0.1:port)
  delete headers['content-length'];
  const r = await fetch(`${endpoint}/`, { method: 'POST', headers, body: req.body });
  return { status: r.status, doc: await r.json() };
}
await check('hand-built: a request the SDK signed, replayed at once with fetch, is accepted (inside the 5-minute window, as on AWS)', async () => {
  const { status, doc } = await replay(await signedBySdk(client(cfg.requester), new M.GetAccountBalanceCommand({})));
  assert.equal(status, 200, JSON.stringify(doc));
  cents(doc.AvailableBalance);
});
await check('hand-built: a request the SDK signed 20 minutes ago, replayed with fetch, is refused "Signature expired"', async () => {
  const old = await signedBySdk(client(cfg.requester, { systemClockOffset: -20 * 60 * 1000 }), new M.GetAccountBalanceCommand({}));
  const { status, doc } = await replay(old);
  assert.equal(status, 400, JSON.stringify(doc));
  assert.equal(doc.__type, 'InvalidSignatureException', JSON.stringify(doc));
  assert.match(doc.message ?? doc.Message ?? '', /Signature expired/);
});

// The workers connect.
const w1 = await step('worker 1 connects over the WebSocket', () => Worker.connect(W1));
const w2 = await step('worker 2 connects over the WebSocket', () => Worker.connect(W2));
const w3 = await step('worker 3 connects over the WebSocket', () => Worker.connect(W3));

const start = await step('GetAccountBalance before', async () => {
  const b = await balance();
  assert.ok(b.available >= 10000, `the requester has at least $100 (has ${b.available} cents)`);
  return b;
});

// Qualification types and grants.
await step('CreateQualificationType (Active)', async () => {
  const r = await send(M.CreateQualificationTypeCommand, {
    Name: `skill ${suffix}`, Description: 'How good the worker is at labelling', Keywords: 'label, skill',
    QualificationTypeStatus: 'Active', AutoGranted: false,
  });
  const q = r.QualificationType;
  assert.ok(q && q.QualificationTypeId, 'a QualificationTypeId');
  assert.equal(q.Name, `skill ${suffix}`);
  assert.equal(q.QualificationTypeStatus, 'Active');
  assert.ok(q.CreationTime instanceof Date, 'CreationTime is a timestamp');
  near(q.CreationTime, Date.now(), 120_000, 'CreationTime');
  s.qual = q.QualificationTypeId;
});
await step('GetQualificationType', async () => {
  const r = await send(M.GetQualificationTypeCommand, { QualificationTypeId: s.qual });
  assert.equal(r.QualificationType.QualificationTypeId, s.qual);
  assert.equal(r.QualificationType.Description, 'How good the worker is at labelling');
});
await step('UpdateQualificationType (description)', async () => {
  const r = await send(M.UpdateQualificationTypeCommand, { QualificationTypeId: s.qual, Description: 'Labelling skill, 0-100' });
  assert.equal(r.QualificationType.Description, 'Labelling skill, 0-100');
});
await step('ListQualificationTypes (owned by the caller) lists it', async () => {
  const r = await send(M.ListQualificationTypesCommand, { MustBeRequestable: false, MustBeOwnedByCaller: true, MaxResults: 100 });
  assert.ok(r.QualificationTypes.some((q) => q.QualificationTypeId === s.qual), JSON.stringify(r.QualificationTypes.map((q) => q.QualificationTypeId)));
  assert.equal(r.NumResults, r.QualificationTypes.length);
});
await step('AssociateQualificationWithWorker: worker 1 = 90, worker 2 = 10, worker 3 = 80', async () => {
  for (const [w, v] of [[W1, 90], [W2, 10], [W3, 80]])
    await send(M.AssociateQualificationWithWorkerCommand, { QualificationTypeId: s.qual, WorkerId: w.worker_id, IntegerValue: v, SendNotification: false });
  await w1.event('qualification.granted', (e) => e.qualification_type_id === s.qual);
});
await step('GetQualificationScore', async () => {
  const r = await send(M.GetQualificationScoreCommand, { QualificationTypeId: s.qual, WorkerId: W1.worker_id });
  assert.equal(r.Qualification.QualificationTypeId, s.qual);
  assert.equal(r.Qualification.WorkerId, W1.worker_id);
  assert.equal(r.Qualification.IntegerValue, 90);
  assert.equal(r.Qualification.Status, 'Granted');
});
await step('ListWorkersWithQualificationType lists the three', async () => {
  const r = await send(M.ListWorkersWithQualificationTypeCommand, { QualificationTypeId: s.qual, Status: 'Granted', MaxResults: 100 });
  const ids = r.Qualifications.map((q) => q.WorkerId).sort();
  assert.deepEqual(ids, [W1.worker_id, W2.worker_id, W3.worker_id].sort());
});
// Qualification requests: workers ask over the WebSocket protocol; the
// requester lists, accepts and rejects them through the SDK.
await step('CreateQualificationType (requestable, reviewed by the requester)', async () => {
  const r = await send(M.CreateQualificationTypeCommand, {
    Name: `reviewed ${suffix}`, Description: 'Granted after review', QualificationTypeStatus: 'Active',
    RetryDelayInSeconds: 0,
  });
  s.reviewed = r.QualificationType.QualificationTypeId;
});
await step('workers 1 and 2 request it over the WebSocket protocol; the requests wait', async () => {
  for (const w of [w1, w2]) {
    const r = await w.ok('request_qualification', { qualification_type_id: s.reviewed, answer: 'I have labelled 1,000 photos' }, 'qualification_requested');
    assert.equal(r.granted, false, JSON.stringify(r));
    assert.match(r.qualification_request_id ?? '', /^[A-Z0-9]+$/);
  }
});
await step('ListQualificationRequests lists both, with the answers', async () => {
  const r = await send(M.ListQualificationRequestsCommand, { QualificationTypeId: s.reviewed, MaxResults: 100 });
  assert.equal(r.NumResults, 2, JSON.stringify(r));
  const byWorker = Object.fromEntries(r.QualificationRequests.map((q) => [q.WorkerId, q]));
  for (const w of [W1, W2]) {
    const q = byWorker[w.worker_id];
    assert.ok(q, `a request of ${w.worker_id}`);
    assert.equal(q.QualificationTypeId, s.reviewed);
    assert.equal(q.Answer, 'I have labelled 1,000 photos');
    assert.ok(q.SubmitTime instanceof Date, 'SubmitTime is a timestamp');
  }
  s.request1 = byWorker[W1.worker_id].QualificationRequestId;
  s.request2 = byWorker[W2.worker_id].QualificationRequestId;
});
await step('AcceptQualificationRequest (worker 1, value 75): the grant reaches the worker', async () => {
  await send(M.AcceptQualificationRequestCommand, { QualificationRequestId: s.request1, IntegerValue: 75 });
  await w1.event('qualification.granted', (e) => e.qualification_type_id === s.reviewed);
  const r = await send(M.GetQualificationScoreCommand, { QualificationTypeId: s.reviewed, WorkerId: W1.worker_id });
  assert.equal(r.Qualification.IntegerValue, 75);
});
await step('RejectQualificationRequest (worker 2): no qualification, and the request is gone', async () => {
  await send(M.RejectQualificationRequestCommand, { QualificationRequestId: s.request2, Reason: 'not enough experience' });
  await refused(send(M.GetQualificationScoreCommand, { QualificationTypeId: s.reviewed, WorkerId: W2.worker_id }),
    { code: 'AWS.MechanicalTurk.QualificationDoesNotExist' });
  const r = await send(M.ListQualificationRequestsCommand, { QualificationTypeId: s.reviewed });
  assert.equal(r.NumResults ?? 0, 0, JSON.stringify(r));
  await refused(send(M.AcceptQualificationRequestCommand, { QualificationRequestId: s.request2 }),
    { code: 'AWS.MechanicalTurk.QualificationRequestDoesNotExist' });
});

// HIT types and HITs with qualification requirements.
const requirement = { QualificationTypeId: s.qual, Comparator: 'GreaterThan', IntegerValues: [50], ActionsGuarded: 'Accept' };
await step('CreateHITType with a qualification requirement', async () => {
  const r = await send(M.CreateHITTypeCommand, {
    Title: `Label a photo ${suffix}`, Description: 'Say what is in the picture', Keywords: 'image, label',
    Reward: '0.50', AssignmentDurationInSeconds: 600, AutoApprovalDelayInSeconds: 86400,
    QualificationRequirements: [requirement],
  });
  assert.match(r.HITTypeId ?? '', /^[A-Z0-9]+$/);
  s.type1 = r.HITTypeId;
  const again = await send(M.CreateHITTypeCommand, {
    Title: `Label a photo ${suffix}`, Description: 'Say what is in the picture', Keywords: 'image, label',
    Reward: '0.50', AssignmentDurationInSeconds: 600, AutoApprovalDelayInSeconds: 86400,
    QualificationRequirements: [requirement],
  });
  assert.equal(again.HITTypeId, s.type1, 'the same properties register the same HIT type');
});
await step('CreateHITType without requirements', async () => {
  const r = await send(M.CreateHITTypeCommand, {
    Title: `Transcribe a receipt ${suffix}`, Description: 'Type the total', Reward: '0.25',
    AssignmentDurationInSeconds: 300, AutoApprovalDelayInSeconds: 3600,
  });
  s.type2 = r.HITTypeId;
  assert.notEqual(s.type2, s.type1);
});
await step('UpdateNotificationSettings (HTTP destination, Active)', async () => {
  await send(M.UpdateNotificationSettingsCommand, {
    HITTypeId: s.type1,
    Notification: {
      Destination: destination, Transport: 'SQS', Version: '2006-05-05',
      EventTypes: ['AssignmentAccepted', 'AssignmentSubmitted', 'AssignmentApproved', 'AssignmentRejected', 'HITReviewable', 'HITExpired'],
    },
    Active: true,
  });
});
await check('SendTestEventNotification (Ping) arrives', async () => {
  await send(M.SendTestEventNotificationCommand, {
    // 2014-08-15: the version of the JSON documents MTurk sends to SQS (the model's own is 2006-05-05).
    Notification: { Destination: destination, Transport: 'SQS', Version: '2014-08-15', EventTypes: ['AssignmentSubmitted'] },
    TestEventType: 'Ping',
  });
  await notified('Ping', (e) => e.EventType === 'Ping');
});
await step('CreateHITWithHITType (3 assignments, 1 hour)', async () => {
  const r = await send(M.CreateHITWithHITTypeCommand, {
    HITTypeId: s.type1, MaxAssignments: 3, LifetimeInSeconds: 3600, Question: question,
    RequesterAnnotation: 'batch-1', UniqueRequestToken: `hit1-${suffix}`,
  });
  const h = r.HIT;
  assert.equal(h.HITTypeId, s.type1);
  assert.equal(h.MaxAssignments, 3);
  assert.equal(h.Reward, '0.50');
  assert.equal(h.HITStatus, 'Assignable');
  near(h.Expiration, Date.now() + 3600_000, 120_000, 'Expiration');
  s.hit1 = h.HITId;
});
await step('CreateHITWithHITType again with the same UniqueRequestToken: HitAlreadyExists', async () => {
  const e = await refused(send(M.CreateHITWithHITTypeCommand, {
    HITTypeId: s.type1, MaxAssignments: 3, LifetimeInSeconds: 3600, Question: question, UniqueRequestToken: `hit1-${suffix}`,
  }), { code: 'AWS.MechanicalTurk.HitAlreadyExists', status: 400 });
  assert.ok(e.message.includes(s.hit1), `the message names the first HIT: ${e.message}`);
});
await step('CreateHIT (inline properties, a requirement guarding discovery)', async () => {
  const r = await send(M.CreateHITCommand, {
    Title: `Check an address ${suffix}`, Description: 'Is the address complete?', Keywords: 'address',
    Reward: '0.25', MaxAssignments: 1, LifetimeInSeconds: 3600, AssignmentDurationInSeconds: 300,
    AutoApprovalDelayInSeconds: 3600, Question: question,
    QualificationRequirements: [{ QualificationTypeId: s.qual, Comparator: 'GreaterThanOrEqualTo', IntegerValues: [80], ActionsGuarded: 'DiscoverPreviewAndAccept' }],
  });
  s.hit2 = r.HIT.HITId;
  s.type3 = r.HIT.HITTypeId;
  assert.equal(r.HIT.Title, `Check an address ${suffix}`);
  assert.equal(r.HIT.QualificationRequirements.length, 1);
});
await step('GetAccountBalance after creating: $2.10 on hold (3 x (0.50 + 0.10) + 1 x (0.25 + 0.05))', async () => {
  const b = await balance();
  assert.equal(b.available, start.available - 210, `available ${b.available}, before ${start.available}`);
  assert.equal(b.onHold, start.onHold + 210, `on hold ${b.onHold}, before ${start.onHold}`);
});
await step('GetHIT', async () => {
  const { HIT: h } = await send(M.GetHITCommand, { HITId: s.hit1 });
  assert.equal(h.HITId, s.hit1);
  assert.equal(h.HITTypeId, s.type1);
  assert.equal(h.Title, `Label a photo ${suffix}`);
  assert.equal(h.Description, 'Say what is in the picture');
  assert.equal(h.Keywords, 'image, label');
  assert.equal(h.Question, question);
  assert.equal(h.RequesterAnnotation, 'batch-1');
  assert.equal(h.MaxAssignments, 3);
  assert.equal(h.AssignmentDurationInSeconds, 600);
  assert.equal(h.AutoApprovalDelayInSeconds, 86400);
  assert.equal(h.HITStatus, 'Assignable');
  assert.equal(h.HITReviewStatus, 'NotReviewed');
  assert.equal(h.NumberOfAssignmentsAvailable, 3);
  assert.equal(h.NumberOfAssignmentsPending, 0);
  assert.equal(h.NumberOfAssignmentsCompleted, 0);
  near(h.CreationTime, Date.now(), 120_000, 'CreationTime');
  // RequiredToPreview (deprecated, implied by ActionsGuarded) may come too, as Amazon sends it.
  assert.deepEqual(h.QualificationRequirements.map(({ RequiredToPreview, ...r }) => {
    assert.ok(RequiredToPreview === undefined || RequiredToPreview === false, `RequiredToPreview ${RequiredToPreview} with ActionsGuarded Accept`);
    return r;
  }), [requirement]);
});
await step('ListHITs, one per page through the SDK paginator, lists both', async () => {
  const seen = [];
  for await (const page of M.paginateListHITs({ client: mt, pageSize: 1 }, {})) {
    assert.ok((page.HITs ?? []).length <= 1, 'at most MaxResults per page');
    seen.push(...(page.HITs ?? []).map((h) => h.HITId));
    assert.ok(seen.length < 1000, 'the pages end');
  }
  assert.ok(seen.includes(s.hit1) && seen.includes(s.hit2), `ListHITs: ${seen.join(' ')}`);
  assert.equal(new Set(seen).size, seen.length, 'no HIT twice');
});
await step('ListHITsForQualificationType lists both', async () => {
  const r = await send(M.ListHITsForQualificationTypeCommand, { QualificationTypeId: s.qual, MaxResults: 100 });
  const ids = r.HITs.map((h) => h.HITId);
  assert.ok(ids.includes(s.hit1) && ids.includes(s.hit2), ids.join(' '));
});

// Workers accept and submit over the WebSocket.
await step('worker 2 (score 10) may not accept HIT 1: does_not_meet_requirements', () =>
  w2.refusedWith('accept', { hit_id: s.hit1 }, 'does_not_meet_requirements'));
await step('workers 1 and 3 accept HIT 1, worker 1 accepts HIT 2', async () => {
  s.a1 = (await w1.ok('accept', { hit_id: s.hit1 }, 'accepted')).assignment.assignment_id;
  s.a3 = (await w3.ok('accept', { hit_id: s.hit1 }, 'accepted')).assignment.assignment_id;
  s.a2 = (await w1.ok('accept', { hit_id: s.hit2 }, 'accepted')).assignment.assignment_id;
});
await check('notification AssignmentAccepted arrives', () =>
  notified('AssignmentAccepted', (e) => e.EventType === 'AssignmentAccepted' && e.HITId === s.hit1 && e.HITTypeId === s.type1));
await step('they submit', async () => {
  await w1.ok('submit', { assignment_id: s.a1, answer: answer('a cat') }, 'submitted');
  await w3.ok('submit', { assignment_id: s.a3, answer: answer('a dog') }, 'submitted');
  await w1.ok('submit', { assignment_id: s.a2, answer: answer('complete') }, 'submitted');
});
await check('notification AssignmentSubmitted arrives', () =>
  notified('AssignmentSubmitted', (e) => e.EventType === 'AssignmentSubmitted' && e.HITId === s.hit1 && e.HITTypeId === s.type1));
await step('ListAssignmentsForHIT (Submitted)', async () => {
  const r = await send(M.ListAssignmentsForHITCommand, { HITId: s.hit1, AssignmentStatuses: ['Submitted'], MaxResults: 100 });
  assert.equal(r.NumResults, 2);
  const byWorker = Object.fromEntries(r.Assignments.map((a) => [a.WorkerId, a]));
  assert.equal(byWorker[W1.worker_id]?.AssignmentId, s.a1);
  assert.equal(byWorker[W3.worker_id]?.AssignmentId, s.a3);
  for (const a of r.Assignments) {
    assert.equal(a.HITId, s.hit1);
    assert.equal(a.AssignmentStatus, 'Submitted');
    assert.ok(a.SubmitTime instanceof Date && a.AcceptTime instanceof Date && a.AutoApprovalTime instanceof Date, 'times');
    near(a.AutoApprovalTime, a.SubmitTime.getTime() + 86400_000, 5_000, 'AutoApprovalTime');
  }
  assert.equal(byWorker[W1.worker_id].Answer, answer('a cat'));
});
await step('GetAssignment', async () => {
  const r = await send(M.GetAssignmentCommand, { AssignmentId: s.a1 });
  assert.equal(r.Assignment.AssignmentId, s.a1);
  assert.equal(r.Assignment.WorkerId, W1.worker_id);
  assert.equal(r.Assignment.AssignmentStatus, 'Submitted');
  assert.equal(r.HIT.HITId, s.hit1);
  assert.equal(r.HIT.NumberOfAssignmentsPending, 0);
  assert.equal(r.HIT.NumberOfAssignmentsAvailable, 1);
});

// Approve, reject, override.
await step('ApproveAssignment (worker 1 is told)', async () => {
  await send(M.ApproveAssignmentCommand, { AssignmentId: s.a1, RequesterFeedback: 'Well done' });
  await w1.event('assignment.approved', (e) => e.assignment_id === s.a1);
  const r = await send(M.GetAssignmentCommand, { AssignmentId: s.a1 });
  assert.equal(r.Assignment.AssignmentStatus, 'Approved');
  assert.equal(r.Assignment.RequesterFeedback, 'Well done');
  assert.ok(r.Assignment.ApprovalTime instanceof Date);
});
await step('ApproveAssignment twice: InvalidAssignmentState', () =>
  refused(send(M.ApproveAssignmentCommand, { AssignmentId: s.a1 }), { code: 'AWS.MechanicalTurk.InvalidAssignmentState', status: 400 }));
await check('notification AssignmentApproved arrives', () =>
  notified('AssignmentApproved', (e) => e.EventType === 'AssignmentApproved' && e.HITId === s.hit1 && e.HITTypeId === s.type1));
await step('RejectAssignment (worker 3 is told)', async () => {
  await send(M.RejectAssignmentCommand, { AssignmentId: s.a3, RequesterFeedback: 'Not a dog' });
  await w3.event('assignment.rejected', (e) => e.assignment_id === s.a3);
  const r = await send(M.GetAssignmentCommand, { AssignmentId: s.a3 });
  assert.equal(r.Assignment.AssignmentStatus, 'Rejected');
  assert.ok(r.Assignment.RejectionTime instanceof Date);
});
await check('notification AssignmentRejected arrives', () =>
  notified('AssignmentRejected', (e) => e.EventType === 'AssignmentRejected' && e.HITId === s.hit1 && e.HITTypeId === s.type1));
await step('RejectAssignment of a rejected assignment: InvalidAssignmentState', () =>
  refused(send(M.RejectAssignmentCommand, { AssignmentId: s.a3, RequesterFeedback: 'again' }), { code: 'AWS.MechanicalTurk.InvalidAssignmentState' }));
await step('ApproveAssignment of a rejected one without OverrideRejection: InvalidAssignmentState', () =>
  refused(send(M.ApproveAssignmentCommand, { AssignmentId: s.a3 }), { code: 'AWS.MechanicalTurk.InvalidAssignmentState' }));
await step('ApproveAssignment with OverrideRejection', async () => {
  await send(M.ApproveAssignmentCommand, { AssignmentId: s.a3, OverrideRejection: true, RequesterFeedback: 'Sorry' });
  const r = await send(M.GetAssignmentCommand, { AssignmentId: s.a3 });
  assert.equal(r.Assignment.AssignmentStatus, 'Approved');
  await w3.event('assignment.approved', (e) => e.assignment_id === s.a3);
});
await step('RejectAssignment of HIT 2\'s assignment', () =>
  send(M.RejectAssignmentCommand, { AssignmentId: s.a2, RequesterFeedback: 'Incomplete' }));

// Bonuses.
await step('SendBonus (worker 1 is told)', async () => {
  await send(M.SendBonusCommand, { WorkerId: W1.worker_id, AssignmentId: s.a1, BonusAmount: '1.00', Reason: 'Great work', UniqueRequestToken: `bonus-${suffix}` });
  const e = await w1.event('bonus.paid', (x) => x.assignment_id === s.a1);
  assert.equal(e.amount, '1.00');
});
await step('SendBonus repeated with its UniqueRequestToken pays once', async () => {
  try {
    await send(M.SendBonusCommand, { WorkerId: W1.worker_id, AssignmentId: s.a1, BonusAmount: '1.00', Reason: 'Great work', UniqueRequestToken: `bonus-${suffix}` });
  } catch (e) {
    assert.equal(e.name, 'RequestError', describe(e));   // MTurk may refuse the repeat; it must not pay twice
  }
});
await step('ListBonusPayments by HIT and by assignment', async () => {
  for (const input of [{ HITId: s.hit1 }, { AssignmentId: s.a1 }]) {
    const r = await send(M.ListBonusPaymentsCommand, { ...input, MaxResults: 100 });
    assert.equal(r.NumResults, 1, JSON.stringify(input));
    const [b] = r.BonusPayments;
    assert.equal(b.WorkerId, W1.worker_id);
    assert.equal(b.AssignmentId, s.a1);
    assert.equal(b.BonusAmount, '1.00');
    assert.equal(b.Reason, 'Great work');
    near(b.GrantTime, Date.now(), 120_000, 'GrantTime');
  }
});
await step('GetAccountBalance: two approvals (2 x 0.60) and the bonus (1.00 + 0.20) spent; HIT 1\'s open slot (0.60) on hold', async () => {
  const b = await balance();
  assert.equal(b.available + b.onHold, start.available + start.onHold - 240, `total ${b.available + b.onHold}, before ${start.available + start.onHold}`);
  assert.equal(b.onHold, start.onHold + 60, `on hold ${b.onHold}`);
});

await step('the workers\' dashboards: what the requester paid, less the fees', async () => {
  const d1 = await w1.ok('dashboard', {}, 'dashboard');
  assert.equal(d1.earnings.rewards, '0.50', JSON.stringify(d1.earnings));   // HIT 1; HIT 2's was rejected
  assert.equal(d1.earnings.bonuses, '1.00', JSON.stringify(d1.earnings));
  const d3 = await w3.ok('dashboard', {}, 'dashboard');
  assert.equal(d3.earnings.rewards, '0.50', JSON.stringify(d3.earnings));   // the overridden rejection
  assert.equal(d3.earnings.bonuses, '0.00', JSON.stringify(d3.earnings));
});

// More assignments, another HIT type, blocks, notifications to workers.
await step('CreateAdditionalAssignmentsForHIT (HIT 2: 1 -> 2)', async () => {
  await send(M.CreateAdditionalAssignmentsForHITCommand, { HITId: s.hit2, NumberOfAdditionalAssignments: 1, UniqueRequestToken: `more-${suffix}` });
  const { HIT: h } = await send(M.GetHITCommand, { HITId: s.hit2 });
  assert.equal(h.MaxAssignments, 2);
});
await step('CreateAdditionalAssignmentsForHIT across 10 assignments: InvalidMaximumAssignmentsIncrease', () =>
  refused(send(M.CreateAdditionalAssignmentsForHITCommand, { HITId: s.hit1, NumberOfAdditionalAssignments: 7 }),
    { code: 'AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease' }));
await step('UpdateHITTypeOfHIT (HIT 2 to the type without requirements)', async () => {
  await send(M.UpdateHITTypeOfHITCommand, { HITId: s.hit2, HITTypeId: s.type2 });
  const { HIT: h } = await send(M.GetHITCommand, { HITId: s.hit2 });
  assert.equal(h.HITTypeId, s.type2);
  assert.equal(h.Title, `Transcribe a receipt ${suffix}`);
  assert.deepEqual(h.QualificationRequirements ?? [], []);
});
await step('CreateWorkerBlock, ListWorkerBlocks', async () => {
  await send(M.CreateWorkerBlockCommand, { WorkerId: W2.worker_id, Reason: 'Random answers' });
  const r = await send(M.ListWorkerBlocksCommand, { MaxResults: 100 });
  const b = r.WorkerBlocks.find((x) => x.WorkerId === W2.worker_id);
  assert.ok(b, JSON.stringify(r.WorkerBlocks));
  assert.equal(b.Reason, 'Random answers');
  await w2.event('worker.blocked');
});
await step('a blocked worker may not accept: worker_blocked', () =>
  w2.refusedWith('accept', { hit_id: s.hit2 }, 'worker_blocked'));
await step('DeleteWorkerBlock; the worker accepts, then returns', async () => {
  await send(M.DeleteWorkerBlockCommand, { WorkerId: W2.worker_id, Reason: 'Second chance' });
  const r = await send(M.ListWorkerBlocksCommand, { MaxResults: 100 });
  assert.ok(!(r.WorkerBlocks ?? []).some((x) => x.WorkerId === W2.worker_id));
  const a = (await w2.ok('accept', { hit_id: s.hit2 }, 'accepted')).assignment.assignment_id;
  await w2.ok('return', { assignment_id: a }, 'returned');
});
await step('NotifyWorkers (worker 1 is told; an unknown worker is a failure status)', async () => {
  const r = await send(M.NotifyWorkersCommand, { Subject: 'Thanks', MessageText: 'More HITs tomorrow', WorkerIds: [W1.worker_id, NO_WORKER] });
  const e = await w1.event('worker.notified');
  assert.equal(e.subject, 'Thanks');
  const failed = (r.NotifyWorkersFailureStatuses ?? []).map((f) => f.WorkerId);
  assert.deepEqual(failed, [NO_WORKER], JSON.stringify(r.NotifyWorkersFailureStatuses));
});
await step('DisassociateQualificationFromWorker (worker 2)', async () => {
  await send(M.DisassociateQualificationFromWorkerCommand, { QualificationTypeId: s.qual, WorkerId: W2.worker_id, Reason: 'Retired' });
  await w2.event('qualification.revoked', (e) => e.qualification_type_id === s.qual);
  const r = await send(M.ListWorkersWithQualificationTypeCommand, { QualificationTypeId: s.qual, Status: 'Granted' });
  assert.ok(!r.Qualifications.some((q) => q.WorkerId === W2.worker_id));
});

// Expiration, review status, delete.
await step('UpdateExpirationForHIT into the future (HIT 2: 2 hours)', async () => {
  const at = new Date(Date.now() + 7200_000);
  await send(M.UpdateExpirationForHITCommand, { HITId: s.hit2, ExpireAt: at });
  const { HIT: h } = await send(M.GetHITCommand, { HITId: s.hit2 });
  near(h.Expiration, at.getTime(), 2_000, 'Expiration');
});
await step('UpdateExpirationForHIT in the past expires HITs 1 and 2 now', async () => {
  for (const id of [s.hit1, s.hit2])
    await send(M.UpdateExpirationForHITCommand, { HITId: id, ExpireAt: new Date(Date.now() - 60_000) });
  const { HIT: h } = await send(M.GetHITCommand, { HITId: s.hit1 });
  assert.equal(h.HITStatus, 'Reviewable');
  assert.ok(h.Expiration.getTime() <= Date.now() + 1000, `Expiration ${h.Expiration.toISOString()}`);
});
await check('notification HITExpired or HITReviewable arrives for HIT 1', () =>
  notified('HITExpired/HITReviewable', (e) => (e.EventType === 'HITExpired' || e.EventType === 'HITReviewable') && e.HITId === s.hit1 && e.HITTypeId === s.type1));
await step('ListReviewableHITs lists HIT 1', async () => {
  const r = await send(M.ListReviewableHITsCommand, { HITTypeId: s.type1, Status: 'Reviewable', MaxResults: 100 });
  assert.deepEqual(r.HITs.map((h) => h.HITId), [s.hit1]);
});
await step('UpdateHITReviewStatus: Reviewing, then back', async () => {
  await send(M.UpdateHITReviewStatusCommand, { HITId: s.hit1, Revert: false });
  let r = await send(M.ListReviewableHITsCommand, { Status: 'Reviewing', MaxResults: 100 });
  assert.ok(r.HITs.some((h) => h.HITId === s.hit1), 'Reviewing lists it');
  assert.equal((await send(M.GetHITCommand, { HITId: s.hit1 })).HIT.HITStatus, 'Reviewing');
  await send(M.UpdateHITReviewStatusCommand, { HITId: s.hit1, Revert: true });
  r = await send(M.ListReviewableHITsCommand, { Status: 'Reviewable', MaxResults: 100 });
  assert.ok(r.HITs.some((h) => h.HITId === s.hit1), 'Reviewable again');
});
await step('GetAccountBalance after: exactly the approvals, their fees, the bonus and its fee spent; nothing on hold', async () => {
  const b = await until('the holds released', async () => {
    const x = await balance();
    return x.onHold === start.onHold ? x : null;
  });
  assert.equal(b.available, start.available - 240, `available ${b.available}, before ${start.available}`);
});
await step('DeleteHIT', async () => {
  await send(M.DeleteHITCommand, { HITId: s.hit1 });
  await send(M.DeleteHITCommand, { HITId: s.hit2 });
  const seen = [];
  for await (const page of M.paginateListHITs({ client: mt, pageSize: 100 }, {})) seen.push(...(page.HITs ?? []).map((h) => h.HITId));
  assert.ok(!seen.includes(s.hit1), 'ListHITs does not list a deleted HIT');
  try {
    const { HIT: h } = await send(M.GetHITCommand, { HITId: s.hit1 });
    assert.equal(h.HITStatus, 'Disposed');
  } catch (e) {
    assert.equal(e.TurkErrorCode, 'AWS.MechanicalTurk.HITDoesNotExist', describe(e));
  }
});
await step('DeleteQualificationType', async () => {
  const q = await send(M.CreateQualificationTypeCommand, { Name: `old ${suffix}`, Description: 'to delete', QualificationTypeStatus: 'Inactive' });
  s.qual2 = q.QualificationType.QualificationTypeId;
  await send(M.DeleteQualificationTypeCommand, { QualificationTypeId: s.qual2 });
  try {
    const r = await send(M.GetQualificationTypeCommand, { QualificationTypeId: s.qual2 });
    // MTurk deletes asynchronously (up to 48 hours); its model's statuses are Active and Inactive only.
    assert.equal(r.QualificationType.QualificationTypeStatus, 'Inactive');
  } catch (e) {
    assert.equal(e.TurkErrorCode, 'AWS.MechanicalTurk.QualificationTypeDoesNotExist', describe(e));
  }
});

// Another requester's view: nothing of this requester's.
if (!aborted) {
  await check('another requester: GetHIT of this requester\'s HIT is refused and reveals nothing', async () => {
    const live = await send(M.CreateHITWithHITTypeCommand, { HITTypeId: s.type2, MaxAssignments: 1, LifetimeInSeconds: 600, Question: question });
    s.hit3 = live.HIT.HITId;
    const e = await refused(send(M.GetHITCommand, { HITId: s.hit3 }, other),
      { code: 'AWS.MechanicalTurk.HITDoesNotExist', status: 400 });   // as if it did not exist (docs/mturk-compat.md)
    assert.ok(!e.message.includes('Transcribe'), `the message reveals the HIT: ${e.message}`);
  });
  await check('another requester: ListHITs does not list this requester\'s HITs', async () => {
    const r = await send(M.ListHITsCommand, { MaxResults: 100 }, other);
    assert.ok(!(r.HITs ?? []).some((h) => h.HITId === s.hit3));
  });
  // Another requester's HITs and assignments do not exist for it (docs/mturk-compat.md): each operation on its own.
  const H = 'AWS.MechanicalTurk.HITDoesNotExist', A = 'AWS.MechanicalTurk.AssignmentDoesNotExist';
  for (const [op, Command, input, code] of [
    ['UpdateExpirationForHIT', M.UpdateExpirationForHITCommand, { HITId: s.hit3, ExpireAt: new Date(0) }, H],
    ['CreateAdditionalAssignmentsForHIT', M.CreateAdditionalAssignmentsForHITCommand, { HITId: s.hit3, NumberOfAdditionalAssignments: 1 }, H],
    ['UpdateHITReviewStatus', M.UpdateHITReviewStatusCommand, { HITId: s.hit1, Revert: false }, H],
    ['DeleteHIT', M.DeleteHITCommand, { HITId: s.hit3 }, H],
    ['ListAssignmentsForHIT', M.ListAssignmentsForHITCommand, { HITId: s.hit1 }, H],
    ['ListBonusPayments', M.ListBonusPaymentsCommand, { HITId: s.hit1 }, H],
    ['GetAssignment', M.GetAssignmentCommand, { AssignmentId: s.a1 }, A],
    ['ApproveAssignment', M.ApproveAssignmentCommand, { AssignmentId: s.a2, OverrideRejection: true }, A],
    ['RejectAssignment', M.RejectAssignmentCommand, { AssignmentId: s.a2, RequesterFeedback: 'x' }, A],
    ['SendBonus', M.SendBonusCommand, { WorkerId: W1.worker_id, AssignmentId: s.a1, BonusAmount: '0.01', Reason: 'x' }, A],
  ]) {
    await check(`another requester: ${op} of this requester's -> ${code}`, async () => {
      const e = await refused(send(Command, input, other), { code, status: 400 });
      assert.ok(!/another requester|belongs/i.test(e.message), `the message hints at what is there: ${e.message}`);
    });
  }
  await check('another requester changed nothing', async () => {
    const { HIT: h } = await send(M.GetHITCommand, { HITId: s.hit3 });
    assert.equal(h.HITStatus, 'Assignable');
    assert.equal(h.MaxAssignments, 1);
    const b = await send(M.ListBonusPaymentsCommand, { HITId: s.hit1 });
    assert.equal(b.NumResults, 1);
  });
  await check('another requester: AssociateQualificationWithWorker of this requester\'s type refused', async () => {
    await refused(send(M.AssociateQualificationWithWorkerCommand, { QualificationTypeId: s.qual, WorkerId: W2.worker_id, IntegerValue: 100 }, other),
      { code: ['AWS.MechanicalTurk.PermissionDenied', 'AWS.MechanicalTurk.QualificationTypeDoesNotExist'] });
  });
}

// Each operation's main error case, as the SDK reports it. A qualification
// type nobody holds and a HIT nobody took, whatever became of the flow.
await check('error cases: a qualification type nobody holds, a HIT nobody took', async () => {
  s.errQual = (await send(M.CreateQualificationTypeCommand, { Name: `unused ${suffix}`, Description: 'nobody holds it', QualificationTypeStatus: 'Active' }))
    .QualificationType.QualificationTypeId;
  s.errHit = (await send(M.CreateHITCommand, { Title: `Untouched ${suffix}`, Description: 'nobody takes it', Reward: '0.10', MaxAssignments: 1,
    LifetimeInSeconds: 600, AssignmentDurationInSeconds: 60, Question: question })).HIT.HITId;
});
const IPV = 'AWS.MechanicalTurk.InvalidParameterValue';
const errorCases = [
  ['AcceptQualificationRequest', M.AcceptQualificationRequestCommand, { QualificationRequestId: NO_REQUEST }, 'AWS.MechanicalTurk.QualificationRequestDoesNotExist'],
  ['ApproveAssignment', M.ApproveAssignmentCommand, { AssignmentId: NO_ASSIGNMENT }, 'AWS.MechanicalTurk.AssignmentDoesNotExist'],
  ['AssociateQualificationWithWorker', M.AssociateQualificationWithWorkerCommand, { QualificationTypeId: NO_QUAL, WorkerId: W1.worker_id, IntegerValue: 1 }, 'AWS.MechanicalTurk.QualificationTypeDoesNotExist'],
  ['CreateAdditionalAssignmentsForHIT', M.CreateAdditionalAssignmentsForHITCommand, { HITId: NO_HIT, NumberOfAdditionalAssignments: 1 }, 'AWS.MechanicalTurk.HITDoesNotExist'],
  ['CreateHIT (too expensive)', M.CreateHITCommand, { Title: 't', Description: 'd', Reward: '99999.00', MaxAssignments: 1, LifetimeInSeconds: 600, AssignmentDurationInSeconds: 60, Question: question }, 'AWS.MechanicalTurk.InsufficientFunds'],
  ['CreateHIT (LifetimeInSeconds 5)', M.CreateHITCommand, { Title: 't', Description: 'd', Reward: '0.10', LifetimeInSeconds: 5, AssignmentDurationInSeconds: 60, Question: question }, IPV],
  ['CreateHITType (Reward "abc")', M.CreateHITTypeCommand, { Title: 't', Description: 'd', Reward: 'abc', AssignmentDurationInSeconds: 60 }, IPV],
  ['CreateHITWithHITType', M.CreateHITWithHITTypeCommand, { HITTypeId: NO_TYPE, LifetimeInSeconds: 600, Question: question }, 'AWS.MechanicalTurk.HITTypeDoesNotExist'],
  ['CreateQualificationType (a name already used)', M.CreateQualificationTypeCommand, { Name: `skill ${suffix}`, Description: 'dup', QualificationTypeStatus: 'Active' }, 'AWS.MechanicalTurk.QualificationTypeAlreadyExists'],
  ['CreateWorkerBlock (a malformed WorkerId)', M.CreateWorkerBlockCommand, { WorkerId: 'not-a-worker', Reason: 'r' }, IPV],
  ['DeleteHIT (not reviewable)', M.DeleteHITCommand, { HITId: () => s.errHit }, 'AWS.MechanicalTurk.InvalidHITState'],
  ['DeleteQualificationType', M.DeleteQualificationTypeCommand, { QualificationTypeId: NO_QUAL }, 'AWS.MechanicalTurk.QualificationTypeDoesNotExist'],
  ['DeleteWorkerBlock (a malformed WorkerId)', M.DeleteWorkerBlockCommand, { WorkerId: 'not-a-worker' }, IPV],
  ['DisassociateQualificationFromWorker (not held)', M.DisassociateQualificationFromWorkerCommand, { QualificationTypeId: () => s.errQual, WorkerId: W1.worker_id }, 'AWS.MechanicalTurk.QualificationDoesNotExist'],
  ['GetAssignment', M.GetAssignmentCommand, { AssignmentId: NO_ASSIGNMENT }, 'AWS.MechanicalTurk.AssignmentDoesNotExist'],
  ['GetFileUploadURL', M.GetFileUploadURLCommand, { AssignmentId: NO_ASSIGNMENT, QuestionIdentifier: 'q1' }, ['AWS.MechanicalTurk.AssignmentDoesNotExist', 'AWS.MechanicalTurk.OperationNotSupported']],
  ['GetHIT', M.GetHITCommand, { HITId: NO_HIT }, 'AWS.MechanicalTurk.HITDoesNotExist'],
  ['GetQualificationScore (not held)', M.GetQualificationScoreCommand, { QualificationTypeId: () => s.errQual, WorkerId: W1.worker_id }, 'AWS.MechanicalTurk.QualificationDoesNotExist'],
  ['GetQualificationType', M.GetQualificationTypeCommand, { QualificationTypeId: NO_QUAL }, 'AWS.MechanicalTurk.QualificationTypeDoesNotExist'],
  ['ListAssignmentsForHIT', M.ListAssignmentsForHITCommand, { HITId: NO_HIT }, 'AWS.MechanicalTurk.HITDoesNotExist'],
  ['ListBonusPayments (neither HITId nor AssignmentId)', M.ListBonusPaymentsCommand, {}, [IPV, 'AWS.MissingParameters']],
  ['ListHITs (MaxResults 500)', M.ListHITsCommand, { MaxResults: 500 }, IPV],
  ['ListHITsForQualificationType', M.ListHITsForQualificationTypeCommand, { QualificationTypeId: NO_QUAL }, 'AWS.MechanicalTurk.QualificationTypeDoesNotExist'],
  ['ListQualificationRequests', M.ListQualificationRequestsCommand, { QualificationTypeId: NO_QUAL }, 'AWS.MechanicalTurk.QualificationTypeDoesNotExist'],
  ['ListQualificationTypes (MaxResults 101)', M.ListQualificationTypesCommand, { MustBeRequestable: false, MaxResults: 101 }, IPV],
  ['ListReviewPolicyResultsForHIT', M.ListReviewPolicyResultsForHITCommand, { HITId: NO_HIT }, ['AWS.MechanicalTurk.HITDoesNotExist', 'AWS.MechanicalTurk.OperationNotSupported']],
  ['ListReviewableHITs (Status "Bogus")', M.ListReviewableHITsCommand, { Status: 'Bogus' }, IPV],
  ['ListWorkerBlocks (MaxResults 101)', M.ListWorkerBlocksCommand, { MaxResults: 101 }, IPV],
  ['ListWorkersWithQualificationType', M.ListWorkersWithQualificationTypeCommand, { QualificationTypeId: NO_QUAL }, 'AWS.MechanicalTurk.QualificationTypeDoesNotExist'],
  ['NotifyWorkers (101 workers)', M.NotifyWorkersCommand, { Subject: 's', MessageText: 'm', WorkerIds: Array.from({ length: 101 }, (_, i) => `AW${String(i).padStart(12, '0')}`) }, IPV],
  ['RejectAssignment', M.RejectAssignmentCommand, { AssignmentId: NO_ASSIGNMENT, RequesterFeedback: 'no' }, 'AWS.MechanicalTurk.AssignmentDoesNotExist'],
  ['RejectQualificationRequest', M.RejectQualificationRequestCommand, { QualificationRequestId: NO_REQUEST }, 'AWS.MechanicalTurk.QualificationRequestDoesNotExist'],
  ['SendBonus (unknown assignment)', M.SendBonusCommand, { WorkerId: W1.worker_id, AssignmentId: NO_ASSIGNMENT, BonusAmount: '1.00', Reason: 'r' }, 'AWS.MechanicalTurk.AssignmentDoesNotExist'],
  ['SendBonus (more than the balance)', M.SendBonusCommand, { WorkerId: W1.worker_id, AssignmentId: () => s.a1, BonusAmount: '99999.00', Reason: 'r' }, 'AWS.MechanicalTurk.InsufficientFunds'],
  ['SendTestEventNotification (a destination outside loopback)', M.SendTestEventNotificationCommand, { Notification: { Destination: 'http://192.0.2.1/', Transport: 'SQS', Version: '2006-05-05', EventTypes: ['Ping'] }, TestEventType: 'Ping' }, IPV],
  ['UpdateExpirationForHIT', M.UpdateExpirationForHITCommand, { HITId: NO_HIT, ExpireAt: new Date() }, 'AWS.MechanicalTurk.HITDoesNotExist'],
  ['UpdateHITReviewStatus', M.UpdateHITReviewStatusCommand, { HITId: NO_HIT }, 'AWS.MechanicalTurk.HITDoesNotExist'],
  ['UpdateHITTypeOfHIT', M.UpdateHITTypeOfHITCommand, { HITId: () => s.errHit, HITTypeId: NO_TYPE }, 'AWS.MechanicalTurk.HITTypeDoesNotExist'],
  ['UpdateNotificationSettings', M.UpdateNotificationSettingsCommand, { HITTypeId: NO_TYPE, Active: false }, 'AWS.MechanicalTurk.HITTypeDoesNotExist'],
  ['UpdateQualificationType', M.UpdateQualificationTypeCommand, { QualificationTypeId: NO_QUAL, Description: 'x' }, 'AWS.MechanicalTurk.QualificationTypeDoesNotExist'],
];
for (const [what, Command, input, code] of errorCases) {
  await check(`error: ${what} -> ${Array.isArray(code) ? code.join(' | ') : code}`, async () => {
    const resolved = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, typeof v === 'function' ? v() : v]));
    for (const [k, v] of Object.entries(resolved)) assert.ok(v !== undefined, `${k}: the flow did not get that far`);
    await refused(send(Command, resolved), { name: 'RequestError', code, status: 400 });
  });
}
await check('error: an unknown X-Amz-Target (signed by the SDK) -> UnknownOperationException', async () => {
  const c = client(cfg.requester);
  c.middlewareStack.add((next) => async (args) => {
    args.request.headers['x-amz-target'] = 'MTurkRequesterServiceV20170117.Frobnicate';
    return next(args);
  }, { step: 'build', name: 'retarget' });
  await refused(c.send(new M.GetAccountBalanceCommand({})), { name: ['UnknownOperationException', 'RequestError'], status: 400 });
});

for (const w of [w1, w2, w3]) w?.close();
receiver.close();
clearTimeout(overall);
console.log(failures.length === 0 ? 'PASS' : `FAILED ${failures.length}`);
process.exit(failures.length === 0 ? 0 : 1);
