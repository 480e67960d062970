// A worker client of hitd's live feed (docs/protocol.md) written against the
// third-party `ws` package: it drives the protocol end to end the way a
// worker's tool would, and checks every reply and event it gets.
//
//   node feed_client.mjs <url> <token> <snapshot_hit_id>
//
// <url> is the server's WebSocket endpoint (ws://127.0.0.1:PORT/ws, or just
// the port); <token> a worker token; <snapshot_hit_id> a HIT that exists
// before the client subscribes (it must be in the snapshot).
//
// It talks to whoever runs it (tests/gateway/node_client_test.cpp) on stdout:
//   SUBSCRIBED            subscribed: now create a HIT (it must come as hit.available)
//   LIVE <hit_id>         the HIT that came live (the one it accepts)
//   SUBMITTED <asg_id>    submitted: now approve the assignment
//   FAIL <check>: <why>   a check that did not hold (one line each)
//   PASS | FAILED <n>     the verdict, last
// Exit code 0 only if every check held. Every wait is bounded (10 s), and the
// whole script too (60 s).

import WebSocket from 'ws';

const WAIT_MS = 10_000;
const TOTAL_MS = 60_000;

const [arg, token, snapshotHitId] = process.argv.slice(2);
if (!arg || !token || !snapshotHitId) {
  console.error('usage: node feed_client.mjs <url|port> <token> <snapshot_hit_id>');
  process.exit(2);
}
const url = /^\d+$/.test(arg) ? `ws://127.0.0.1:${arg}/ws` : arg;

const failures = [];
function check(name, ok, why = '') {
  if (!ok) {
    failures.push(name);
    console.log(`FAIL ${name}${why ? ': ' + why : ''}`);
  }
  return ok;
}
function say(line) {
  console.log(line);
}
function finish() {
  clearTimeout(overall);
  say(failures.length === 0 ? 'PASS' : `FAILED ${failures.length}`);
  process.exit(failures.length === 0 ? 0 : 1);
}
const overall = setTimeout(() => {
  check('whole script within 60 s', false, 'timed out');
  finish();
}, TOTAL_MS);

// One connection: every frame received is kept (parsed), and waitFor finds
// the first one (not yet taken) that satisfies a predicate, waiting at most
// WAIT_MS. Replies and events may come in either order, so a wait looks at
// what came before too.
class Feed {
  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.taken = new Set();
    this.waiters = [];
    this.closed = null;
    ws.on('message', (data, isBinary) => {
      let frame;
      try {
        frame = JSON.parse(isBinary ? data : data.toString('utf8'));
      } catch (e) {
        check('every server frame is JSON', false, `${e.message}: ${String(data).slice(0, 200)}`);
        return;
      }
      this.frames.push(frame);
      this.#wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#wake();
    });
    ws.on('error', (e) => {
      this.closed ??= { code: -1, reason: e.message };
      this.#wake();
    });
  }
  #find(pred) {
    for (let i = 0; i < this.frames.length; ++i) {
      if (!this.taken.has(i) && pred(this.frames[i])) {
        this.taken.add(i);
        return this.frames[i];
      }
    }
    return undefined;
  }
  #wake() {
    this.waiters = this.waiters.filter((w) => {
      const f = this.#find(w.pred);
      if (f !== undefined) {
        clearTimeout(w.timer);
        w.resolve(f);
        return false;
      }
      if (this.closed) {
        clearTimeout(w.timer);
        w.resolve(null);
        check(w.what, false, `the connection closed (${this.closed.code} ${this.closed.reason})`);
        return false;
      }
      return true;
    });
  }
  // The frame, or null (after recording the failed check `what`).
  waitFor(what, pred) {
    const f = this.#find(pred);
    if (f !== undefined) return Promise.resolve(f);
    if (this.closed) {
      check(what, false, `the connection is closed (${this.closed.code} ${this.closed.reason})`);
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      const w = { what, pred, resolve };
      w.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        const last = this.frames.length ? JSON.stringify(this.frames[this.frames.length - 1]).slice(0, 300) : 'none';
        check(what, false, `nothing came within ${WAIT_MS} ms (${this.frames.length} frames; the last: ${last})`);
        resolve(null);
      }, WAIT_MS);
      this.waiters.push(w);
    });
  }
  send(obj) {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }
  // The reply to request `id` (a result or an error).
  reply(what, id) {
    return this.waitFor(what, (f) => f.id === id);
  }
  event(what, type, pred = () => true) {
    return this.waitFor(what, (f) => f.type === type && f.id === undefined && pred(f));
  }
}

// Opens a connection with the token in the Authorization header. Resolves
// to {feed} once open, or {status, body} when the upgrade is refused, or
// {error} on a network failure; bounded by WAIT_MS.
function connect(bearer) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${bearer}` }, handshakeTimeout: WAIT_MS });
    const feed = new Feed(ws); // listening from the start: hello may come at once
    let done = false;
    const settle = (v) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        resolve(v);
      }
    };
    const timer = setTimeout(() => {
      ws.terminate();
      settle({ error: `no connection within ${WAIT_MS} ms` });
    }, WAIT_MS);
    ws.on('open', () => settle({ feed }));
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        settle({ status: res.statusCode, headers: res.headers, body });
        req.destroy();
      });
      res.on('error', () => settle({ status: res.statusCode, headers: res.headers, body }));
    });
    ws.on('error', (e) => settle({ error: e.message }));
  });
}

function hitIdsOf(subscribed) {
  const ids = [];
  for (const g of subscribed?.groups ?? []) for (const h of g.hits ?? []) ids.push(h.hit_id);
  return ids;
}

async function badToken() {
  const r = await connect('hwt_this-is-not-a-token');
  if (r.feed) {
    check('a bad token is refused at the handshake', false, 'the upgrade succeeded');
    r.feed.ws.terminate();
    return;
  }
  if (!check('a bad token is refused at the handshake', r.status !== undefined, r.error)) return;
  check('a bad token gets HTTP 401', r.status === 401, `status ${r.status}`);
  check('the 401 says WWW-Authenticate: Bearer', /^Bearer/.test(r.headers['www-authenticate'] ?? ''),
        `WWW-Authenticate: ${r.headers['www-authenticate']}`);
  let code;
  try {
    code = JSON.parse(r.body).error.code;
  } catch {
    code = undefined;
  }
  check('the 401 body is {"error":{"code":"bad_auth"}}', code === 'bad_auth', r.body.slice(0, 200));
}

async function endToEnd() {
  const r = await connect(token);
  if (!check('the worker connects with its token', r.feed !== undefined, r.error ?? `HTTP ${r.status} ${r.body}`))
    return;
  const feed = r.feed;

  const hello = await feed.waitFor('hello comes first', (f) => f.type === 'hello');
  if (hello) {
    check('hello comes first', feed.frames[0] === hello, JSON.stringify(feed.frames[0]));
    check('hello names the worker', typeof hello.worker_id === 'string' && hello.worker_id.length > 0,
          JSON.stringify(hello));
    check('hello carries the feed position', Number.isInteger(hello.position), JSON.stringify(hello));
  }

  // Bad input: documented error codes, and the connection stays open.
  feed.send('{not json');
  const malformed = await feed.waitFor('malformed JSON gets an error', (f) => f.error && f.id === null);
  if (malformed) check('malformed JSON is answered malformed_json', malformed.error.code === 'malformed_json',
                       JSON.stringify(malformed));
  feed.send({ id: 'u1', op: 'frobnicate' });
  const unknown = await feed.reply('an unknown op gets an error', 'u1');
  if (unknown) check('an unknown op is answered unknown_op', unknown.error?.code === 'unknown_op',
                     JSON.stringify(unknown));
  feed.send({ id: 'p1', op: 'ping' });
  const pong = await feed.reply('the connection stays open after errors (ping)', 'p1');
  if (pong) check('ping is answered pong', pong.type === 'pong', JSON.stringify(pong));
  check('the connection is still open', feed.ws.readyState === WebSocket.OPEN && !feed.closed,
        JSON.stringify(feed.closed));

  // Subscribe: the HIT that already exists is in the snapshot.
  feed.send({ id: 's1', op: 'subscribe', filters: { qualified_only: true } });
  const sub = await feed.reply('subscribe is answered', 's1');
  if (!sub) return feed;
  if (!check('subscribe is answered subscribed', sub.type === 'subscribed', JSON.stringify(sub))) return feed;
  check('the snapshot has a position and an epoch', Number.isInteger(sub.position) && typeof sub.epoch === 'string',
        JSON.stringify(sub));
  const snapshot = hitIdsOf(sub);
  check('the snapshot holds the HIT that exists', snapshot.includes(snapshotHitId),
        `snapshot ${JSON.stringify(snapshot)}, expected ${snapshotHitId}`);

  // A HIT created now comes live.
  say('SUBSCRIBED');
  const avail = await feed.event('a new HIT comes as hit.available', 'hit.available',
                                 (f) => !snapshot.includes(f.hit?.hit_id));
  if (!avail) return feed;
  const hit = avail.hit;
  say(`LIVE ${hit.hit_id}`);
  check('hit.available comes after the snapshot position', avail.position > sub.position,
        `${avail.position} <= ${sub.position}`);
  check('hit.available carries the HIT', typeof hit.reward === 'string' && hit.assignments_available >= 1,
        JSON.stringify(avail));

  // Accept it: the reply, then assignment.accepted on the personal stream.
  feed.send({ id: 'a1', op: 'accept', hit_id: hit.hit_id, idempotency_key: 'node-accept-1' });
  const accepted = await feed.reply('accept is answered', 'a1');
  if (!accepted) return feed;
  if (!check('accept is answered accepted', accepted.type === 'accepted', JSON.stringify(accepted))) return feed;
  const asg = accepted.assignment?.assignment_id;
  check('the accepted assignment is for the HIT', accepted.assignment?.hit_id === hit.hit_id &&
        accepted.assignment?.status === 'Accepted', JSON.stringify(accepted));
  const ev1 = await feed.event('assignment.accepted comes on the personal stream', 'assignment.accepted',
                               (f) => f.assignment_id === asg);
  if (ev1) check('assignment.accepted names the HIT', ev1.hit_id === hit.hit_id, JSON.stringify(ev1));

  // Submit: the reply, then assignment.submitted.
  feed.send({ id: 'u2', op: 'submit', assignment_id: asg, answer: '<answer>from node</answer>',
              idempotency_key: 'node-submit-1' });
  const submitted = await feed.reply('submit is answered', 'u2');
  if (submitted) check('submit is answered submitted', submitted.type === 'submitted' &&
                       submitted.assignment_id === asg, JSON.stringify(submitted));
  await feed.event('assignment.submitted comes on the personal stream', 'assignment.submitted',
                   (f) => f.assignment_id === asg);

  // The requester approves (the harness does, on this line).
  say(`SUBMITTED ${asg}`);
  const approved = await feed.event('assignment.approved comes on the personal stream', 'assignment.approved',
                                    (f) => f.assignment_id === asg);
  if (approved) check('assignment.approved carries the reward', approved.reward === hit.reward,
                      JSON.stringify(approved));

  // The dashboard shows it.
  feed.send({ id: 'd1', op: 'dashboard' });
  const dash = await feed.reply('dashboard is answered', 'd1');
  if (dash && check('dashboard is answered dashboard', dash.type === 'dashboard', JSON.stringify(dash))) {
    const t = dash.totals ?? {};
    check('the dashboard counts the work', t.accepted === 1 && t.submitted === 1 && t.approved === 1,
          JSON.stringify(t));
    check('the dashboard shows the earnings', dash.earnings?.available === hit.reward,
          `${JSON.stringify(dash.earnings)}, expected available ${hit.reward}`);
    check('the dashboard has a day', Array.isArray(dash.days) && dash.days.length >= 1, JSON.stringify(dash.days));
  }
  return feed;
}

try {
  await badToken();
  const feed = await endToEnd();
  if (feed) {
    // A clean close: the server answers it with 1000.
    const closed = new Promise((resolve) => {
      if (feed.closed) return resolve(feed.closed);
      const t = setTimeout(() => resolve(null), WAIT_MS);
      feed.ws.once('close', (code) => {
        clearTimeout(t);
        resolve({ code });
      });
    });
    feed.ws.close(1000);
    const c = await closed;
    check('the connection closes cleanly', c?.code === 1000, JSON.stringify(c));
  }
} catch (e) {
  check('the client ran without an exception', false, e?.stack ?? String(e));
}
finish();
