// The end-to-end test of hitd's web pages (issue 7; docs/web.md). Starts
// `hitd serve --demo` on 127.0.0.1 (a free port, a fresh data directory),
// then drives Debian's chromium headless through playwright-core:
//
//   - a wrong worker token gets the sign-in error, not the app;
//   - the requester signs in (SigV4 in the page) and creates a HIT;
//   - it appears in two open worker pages without a reload;
//   - worker 1 accepts it, answers the question and submits; worker 2's
//     "assignments left" drops from 2 to 1;
//   - worker 2's connection drops; its indicator says so; worker 3 takes the
//     last assignment; worker 2's page reconnects, resumes and drops the HIT;
//   - the requester reviews and approves; worker 1's dashboard shows the
//     reward as earnings; a bonus adds to them; a withdrawal during
//     probation is refused with a message;
//   - worker 2 previews, accepts and submits another HIT; the requester
//     rejects it (the page asks for feedback first); worker 2's totals show it;
//   - a QuestionForm with a selection, an HTMLQuestion and an
//     ExternalQuestion render as a form and sandboxed iframes; worker 1
//     accepts the QuestionForm, reloads the page, finds it under "In
//     progress" and submits it; the HTMLQuestion (served by hitd by a signed
//     link, its script running) and the ExternalQuestion (a page on a local
//     test server) are answered with their own forms, through
//     /mturk/externalSubmit, and the requester reads those answers;
//   - the pages are revalidated by ETag (304 Not Modified);
//   - another HIT appears in both worker pages, the requester expires it,
//     and it disappears from both; hitd stops and both pages say so.
//
// Screenshots of both pages (and of worker 2's task view, and worker 1's
// "In progress" after the reload) are saved to --artefacts (and to --docs-images
// when given, to refresh docs/images/). Every wait is bounded, and so is
// the whole run (TOTAL_MS). Exit code 0 only when every step passed, hitd
// exited cleanly (code 0) on SIGTERM, and both pages then said it is gone.
//
//   node tests/web/e2e.mjs --hitd build/gateway/hitd --artefacts build/artefacts/web
//                          [--chromium /usr/bin/chromium] [--docs-images docs/images]

import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let chromium;
try {
  ({ chromium } = require('./node/node_modules/playwright-core'));
} catch (e) {
  console.error(`FAIL: playwright-core is missing from tests/web/node/node_modules (run scripts/setup.sh): ${e.message}`);
  process.exit(1);
}

const TOTAL_MS = 180_000;   // the whole test (ASan builds run it too)
const STEP_MS = 20_000;     // any one wait in the pages
const START_MS = 30_000;    // hitd to start listening

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const hitdBinary = arg('hitd');
const artefacts = arg('artefacts', 'artefacts');
const chromiumPath = arg('chromium', '/usr/bin/chromium');
const docsImages = arg('docs-images', '');
if (!hitdBinary) {
  console.error('usage: node e2e.mjs --hitd PATH [--artefacts DIR] [--chromium PATH] [--docs-images DIR]');
  process.exit(2);
}
if (!existsSync(chromiumPath)) {
  console.error(`FAIL: no browser at ${chromiumPath}: scripts/setup.sh installs Debian's chromium`);
  process.exit(1);
}

const started = Date.now();
const log = (...a) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);
const dataRoot = mkdtempSync(path.join(tmpdir(), 'hitd-web-e2e-'));
let server = null;
let browser = null;

const overall = setTimeout(() => {
  console.error(`FAIL: the test took longer than ${TOTAL_MS / 1000} s`);
  cleanup().finally(() => process.exit(1));
}, TOTAL_MS);

// Closes the browser, stops hitd with SIGTERM; returns hitd's exit code
// (null when it had to be killed).
async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  let code = server ? server.exitCode : 0;
  if (server && server.exitCode === null && server.signalCode === null) {
    const exit = new Promise((r) => server.once('exit', (c) => r(c)));
    server.kill('SIGTERM');
    code = await Promise.race([exit, new Promise((r) => setTimeout(() => r(null), 20_000))]);
    if (code === null) server.kill('SIGKILL');
  }
  rmSync(dataRoot, { recursive: true, force: true });
  return code;
}

// `hitd serve --demo`: the demo requester's key, three workers' tokens, the port.
function startServer() {
  return new Promise((resolve, reject) => {
    server = spawn(hitdBinary, ['serve', '--demo', '--listen', '127.0.0.1:0', '--data-dir', path.join(dataRoot, 'data'),
      '--durability', 'none', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`hitd did not start within ${START_MS / 1000} s:\n${out}`)), START_MS);
    const take = (chunk) => {
      out += chunk;
      const port = /hitd listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (!port) return;
      clearTimeout(timer);
      const key = /access_key_id=(\S+)/.exec(out);
      const secret = /secret_access_key=(\S+)/.exec(out);
      const tokens = [...out.matchAll(/token=(\S+)/g)].map((m) => m[1]);
      if (!key || !secret || tokens.length < 2) reject(new Error(`hitd --demo printed no credentials:\n${out}`));
      else resolve({ port: Number(port[1]), keyId: key[1], secret: secret[1], tokens });
    };
    server.stdout.on('data', take);
    server.stderr.on('data', (c) => { process.stderr.write(`[hitd] ${c}`); });
    server.once('exit', (code) => reject(new Error(`hitd exited with ${code} before listening:\n${out}`)));
  });
}

async function shoot(page, name) {
  await page.screenshot({ path: path.join(artefacts, name), fullPage: true });
  if (docsImages) await page.screenshot({ path: path.join(docsImages, name), fullPage: true });
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  log(`ok: ${what}`);
}

async function main() {
  mkdirSync(artefacts, { recursive: true });
  const cfg = await startServer();
  const base = `http://127.0.0.1:${cfg.port}`;
  log(`hitd on ${base}`);

  // The pages come with their security headers.
  const res = await fetch(`${base}/worker.html`);
  check(res.status === 200 && res.headers.get('content-type').startsWith('text/html'), 'GET /worker.html is HTML');
  check((res.headers.get('content-security-policy') || '').includes("script-src 'self'"), 'the page has a Content-Security-Policy');
  check(res.headers.get('x-content-type-options') === 'nosniff', 'the page has X-Content-Type-Options: nosniff');
  check((await fetch(`${base}/nope.html`)).status === 404, 'an unknown page is 404');
  const etag = res.headers.get('etag');
  check(Boolean(etag) && (await fetch(`${base}/worker.html`, { headers: { 'If-None-Match': etag } })).status === 304,
    'a page fetched again with its ETag is 304 Not Modified');
  check((await fetch(`${base}/question?hit=H0000000000001&requester=AR1&expires=9999999999&sig=00`)).status === 403,
    'a forged question link is refused (403)');

  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    timeout: START_MS,
    // launch() runs chromium on a fresh temporary profile (--user-data-dir)
    // of its own, removed on close.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const open = async (url, before = async () => {}) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await before(page);
    page.setDefaultTimeout(STEP_MS);
    page.on('pageerror', (e) => console.error(`[page ${url}] ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') console.error(`[console ${url}] ${m.text()}`); });
    await page.goto(`${base}${url}`);
    return page;
  };

  // A wrong token: the sign-in form says so.
  const bad = await open('/worker.html');
  await bad.fill('#token', 'hwt_notavalidtokenatallnotavalidtokenatall00');
  await bad.click('#signin-form button[type=submit]');
  await bad.locator('#signin-msg', { hasText: 'did not accept this token' }).waitFor();
  check(await bad.locator('#app').isHidden(), 'a wrong token is refused with a message on the sign-in form');
  await bad.context().close();

  // The requester signs in.
  const req = await open('/requester.html');
  await req.fill('#key-id', cfg.keyId);
  await req.fill('#secret', cfg.secret);
  await req.click('#signin-form button[type=submit]');
  await req.locator('#bal-available', { hasText: '$1000.00' }).waitFor();
  check(true, 'the requester signed in and sees the balance $1000.00');

  // Two workers sign in and see the live list (empty at first).
  // Worker 2's WebSocket goes through a route, so the test can drop it (as a
  // server going away would) and hold the reconnect for a while.
  const w2Sockets = [];
  let holdW2 = null;
  let releaseW2 = () => {};
  const routeW2 = (page) => page.routeWebSocket(/\/ws(\?|$)/, async (ws) => {
    if (holdW2) await holdW2;
    w2Sockets.push({ ws, server: ws.connectToServer() });
  });
  const workers = [];
  for (const [i, token] of cfg.tokens.slice(0, 2).entries()) {
    const w = await open('/worker.html', i === 1 ? routeW2 : undefined);
    await w.fill('#token', token);
    await w.click('#signin-form button[type=submit]');
    await w.locator('#conn', { hasText: 'Connected: live' }).waitFor();
    workers.push(w);
  }
  check(true, 'two worker pages are connected to the live feed');
  const [w1, w2] = workers;

  // The requester creates a HIT; both worker pages show it without a reload.
  const title = 'Label the e2e photo';
  await req.fill('#c-title', title);
  await req.fill('#c-desc', 'Say in a few words what the photo shows');
  await req.fill('#c-reward', '0.75');
  await req.fill('#c-assign', '2');
  await req.fill('#c-life', '3600');
  await req.fill('#c-dur', '600');
  await req.fill('#c-question', 'What is shown in the photo?');
  await req.click('#create-form button[type=submit]');
  await req.locator('#create-msg', { hasText: 'Created HIT' }).waitFor();
  const hitId = /Created HIT (\S+)\./.exec(await req.locator('#create-msg').textContent())[1];
  check(Boolean(hitId), `the requester page created HIT ${hitId}`);
  const row = (w) => w.locator(`#hit-rows tr[data-hit-id="${hitId}"]`);
  for (const w of workers) await row(w).locator('td.left', { hasText: '2 / 2' }).waitFor();
  check(true, 'the HIT appeared in both worker pages (2 of 2 left) without a reload');
  check((await row(w1).textContent()).includes('$0.75'), 'the worker row shows the reward $0.75');

  // Worker 1 accepts, answers and submits.
  await row(w1).getByRole('button', { name: `Accept ${title}` }).click();
  await w1.locator('#task-msg', { hasText: 'Accepted' }).waitFor();
  check((await w1.locator('#task-question').textContent()).includes('What is shown in the photo?'), 'the task view shows the HIT\'s question');
  check(/\d+m \d+s|\d+s/.test(await w1.locator('#task-deadline').textContent()), 'the task view counts down the assignment\'s time left');
  await w1.getByLabel('Answer to Question').fill('A red bicycle');
  await w1.click('#task-submit');
  await w1.locator('#dash-msg', { hasText: 'Submitted assignment' }).waitFor();
  check(true, 'worker 1 accepted and submitted');
  await row(w2).locator('td.left', { hasText: '1 / 2' }).waitFor();
  check(true, 'worker 2\'s page shows 1 of 2 assignments left, live');

  // Worker 2's connection drops (close code 4009, as when the server goes
  // away) and its reconnect is held: the indicator says so. Worker 3 takes
  // the last assignment meanwhile; when the reconnect goes through, the page
  // resumes from its last position and catches up with what it missed.
  holdW2 = new Promise((r) => { releaseW2 = r; });
  const dropped = w2Sockets.at(-1);
  await dropped.ws.close({ code: 4009, reason: 'test: the connection drops' });
  await dropped.server.close({ code: 1000, reason: 'test' });
  await w2.locator('#conn', { hasText: /Connection lost|Reconnecting/ }).waitFor();
  check(true, 'worker 2\'s indicator shows the lost connection and the reconnect');
  const w3 = await open('/worker.html');
  await w3.fill('#token', cfg.tokens[2]);
  await w3.click('#signin-form button[type=submit]');
  await w3.locator('#conn', { hasText: 'Connected: live' }).waitFor();
  await row(w3).getByRole('button', { name: `Accept ${title}` }).click();
  await w3.locator('#task-msg', { hasText: 'Accepted' }).waitFor();
  await w3.context().close();
  releaseW2();
  await w2.locator('#conn', { hasText: /Reconnected: resumed, [1-9]\d* change\(s\) caught up/ }).waitFor();
  await row(w2).waitFor({ state: 'detached' });
  check(true, 'worker 2 reconnected, resumed, and the HIT taken meanwhile left its list');

  // The requester reviews and approves.
  const reqRow = req.locator(`#hit-rows tr[data-hit-id="${hitId}"]`);
  await reqRow.getByRole('button', { name: `Review ${title}` }).click();
  const item = req.locator('#assignments li[data-status="Submitted"]');
  await item.waitFor();
  check((await item.textContent()).includes('A red bicycle'), 'the requester sees the worker\'s answer');
  await item.getByLabel('Feedback to the worker').fill('Well spotted, thanks');
  await item.getByRole('button', { name: 'Approve' }).click();
  await req.locator('#assignments li[data-status="Approved"]').waitFor();
  check(true, 'the requester approved the assignment');
  await w1.locator('#earn-total', { hasText: '$0.75' }).waitFor();
  await w1.locator('#events li[data-type="assignment.approved"]').waitFor();
  check(true, 'worker 1\'s dashboard shows $0.75 earned after the approval');
  await w1.locator('#days tr', { hasText: '$0.75' }).waitFor();
  check(await w1.locator('#chart svg rect.bar').count() >= 1, 'the earnings chart has a bar');

  // A bonus on top; a withdrawal during probation is refused with a message.
  const approved = req.locator('#assignments li[data-status="Approved"]');
  await approved.getByLabel('Bonus ($)').fill('0.50');
  await approved.getByLabel('Reason').fill('Extra careful answer');
  await approved.getByRole('button', { name: 'Send bonus' }).click();
  await approved.locator('.msg', { hasText: 'Bonus: done.' }).waitFor();
  await w1.locator('#earn-bonuses', { hasText: '$0.50' }).waitFor();
  await w1.locator('#earn-total', { hasText: '$1.25' }).waitFor();
  check(true, 'the requester sent a $0.50 bonus; worker 1\'s earnings show $1.25 in all');
  await w1.fill('#w-amount', '0.50');
  await w1.click('#withdraw-form button[type=submit]');
  await w1.locator('#w-msg[data-kind="error"]', { hasText: 'withdrawal_not_allowed' }).waitFor();
  check(true, 'a withdrawal during probation is refused with a message');

  // The requester creates a HIT from the page and returns its id.
  let lastHit = hitId;
  const createHit = async (fields) => {
    for (const [sel, value] of Object.entries(fields)) await req.fill(sel, value);
    await req.click('#create-form button[type=submit]');
    await req.waitForFunction((first) => {
      const m = /Created HIT (\S+)\./.exec(document.querySelector('#create-msg').textContent);
      return m && m[1] !== first;
    }, lastHit, { timeout: STEP_MS });
    lastHit = /Created HIT (\S+)\./.exec(await req.locator('#create-msg').textContent())[1];
    return lastHit;
  };

  // Worker 2 does a second HIT badly; the requester rejects it with feedback.
  const second = await createHit({ '#c-title': 'Count the birds', '#c-desc': 'One number: the birds you see',
    '#c-reward': '0.20', '#c-assign': '3', '#c-question': 'How many birds are in the photo?' });
  await w2.locator(`#hit-rows tr[data-hit-id="${second}"]`).getByRole('button', { name: 'Preview Count the birds' }).click();
  await w2.locator('#task-question', { hasText: 'How many birds' }).waitFor();
  await w2.click('#task-accept');
  await w2.locator('#task-msg', { hasText: 'Accepted' }).waitFor();
  await w2.getByLabel('Answer to Question').fill('lots');
  await shoot(w2, 'worker-task.png');
  await w2.click('#task-submit');
  await w2.locator('#dash-msg', { hasText: 'Submitted assignment' }).waitFor();
  await req.locator(`#hit-rows tr[data-hit-id="${second}"]`).getByRole('button', { name: 'Review Count the birds' }).click();
  const toReject = req.locator('#assignments li[data-status="Submitted"]', { hasText: 'lots' });
  await toReject.getByRole('button', { name: 'Reject' }).click();
  await toReject.locator('.msg[data-kind="error"]', { hasText: 'feedback' }).waitFor();
  await toReject.getByLabel('Feedback to the worker').fill('Please give a number');
  await toReject.getByRole('button', { name: 'Reject' }).click();
  await req.locator('#assignments li[data-status="Rejected"]').waitFor();
  await w2.locator('#events li[data-type="assignment.rejected"]').waitFor();
  await w2.locator('#totals', { hasText: /Rejected\s*1 \(100 %\)/ }).waitFor();
  check(true, 'worker 2 previewed, accepted and submitted; the requester rejected it (feedback required); worker 2\'s totals show it');

  // The three kinds of question, created through the API (signed by the
  // page's own sigv4.js) and done by worker 1.
  const api = (op, input) => req.evaluate(async ({ op, input, keyId, secret }) => {
    const { signedHeaders } = await import('/sigv4.js');
    const body = JSON.stringify(input);
    const headers = await signedHeaders({ accessKeyId: keyId, secretAccessKey: secret, host: location.host,
      target: `MTurkRequesterServiceV20170117.${op}`, body });
    const r = await fetch('/', { method: 'POST', headers, body });
    return { status: r.status, body: await r.json() };
  }, { op, input, keyId: cfg.keyId, secret: cfg.secret });
  // The ExternalQuestion's page: a test server on 127.0.0.1 whose form
  // sends to turkSubmitTo + /mturk/externalSubmit, as MTurk's external
  // pages do.
  const external = createServer((q, r) => {
    r.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    r.end('<!DOCTYPE html><html><body><form id="f" method="post">' +
      '<input type="hidden" name="assignmentId" id="assignmentId"><label for="birds">Birds</label><input id="birds" name="birds">' +
      '<button type="submit" id="send">Send</button></form><script>const p = new URLSearchParams(location.search);' +
      'document.getElementById("assignmentId").value = p.get("assignmentId");' +
      'document.getElementById("f").action = p.get("turkSubmitTo") + "/mturk/externalSubmit";</script></body></html>');
  });
  await new Promise((r) => external.listen(0, '127.0.0.1', r));
  const externalUrl = `http://127.0.0.1:${external.address().port}/task`;
  const kinds = {
    selection: '<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">' +
      '<Question><QuestionIdentifier>colour</QuestionIdentifier><DisplayName>Colour</DisplayName><IsRequired>true</IsRequired>' +
      '<QuestionContent><Text>Which colour is the car?</Text></QuestionContent><AnswerSpecification><SelectionAnswer>' +
      '<Selections><Selection><SelectionIdentifier>red</SelectionIdentifier><Text>Red</Text></Selection>' +
      '<Selection><SelectionIdentifier>blue</SelectionIdentifier><Text>Blue</Text></Selection></Selections>' +
      '</SelectionAnswer></AnswerSpecification></Question></QuestionForm>',
    html: '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd">' +
      '<HTMLContent><![CDATA[<!DOCTYPE html><html><body><p id="inside">Describe the sky</p>' +
      '<form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit">' +
      '<input type="hidden" name="assignmentId" id="assignmentId"><label for="sky">Sky</label><input id="sky" name="sky">' +
      '<button type="submit" id="send">Send</button></form>' +
      '<script>const a = new URLSearchParams(location.search).get("assignmentId");' +
      'document.getElementById("assignmentId").value = a;' +
      'document.getElementById("inside").textContent = "script ran: " + a;</script><p id="after">end</p>' +
      '</body></html>]]></HTMLContent><FrameHeight>300</FrameHeight></HTMLQuestion>',
    external: '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">' +
      `<ExternalURL>${externalUrl}</ExternalURL><FrameHeight>300</FrameHeight></ExternalQuestion>`,
  };
  const kindHits = {};
  for (const [kind, question] of Object.entries(kinds)) {
    const r = await api('CreateHIT', { Title: `Kind ${kind}`, Description: 'A question kind', Reward: '0.05',
      MaxAssignments: 1, LifetimeInSeconds: 600, AssignmentDurationInSeconds: 300, Question: question });
    check(r.status === 200, `CreateHIT with a ${kind} question${r.status === 200 ? '' : `: ${JSON.stringify(r.body)}`}`);
    kindHits[kind] = r.body.HIT.HITId;
  }
  const previewKind = async (kind) => {
    const r = w1.locator(`#hit-rows tr[data-hit-id="${kindHits[kind]}"]`);
    await r.getByRole('button', { name: `Preview Kind ${kind}` }).click();
    await w1.locator('#task-head h3', { hasText: `Kind ${kind}` }).waitFor();
  };
  // Accepts the open task; its assignment id.
  const acceptTask = async () => {
    await w1.click('#task-accept');
    await w1.locator('#task-msg', { hasText: 'Accepted' }).waitFor();
    return /Assignment (\S+):/.exec(await w1.locator('#task-msg').textContent())[1];
  };
  const submitted = (assignmentId) => w1.locator('#dash-msg', { hasText: `Submitted assignment ${assignmentId}.` }).waitFor();
  const answerOf = async (kind) => {
    const r = await api('ListAssignmentsForHIT', { HITId: kindHits[kind] });
    check(r.status === 200 && r.body.Assignments.length === 1, `the requester lists the ${kind} HIT's assignment`);
    return r.body.Assignments[0].Answer;
  };

  // The QuestionForm: accepted, then the page reloads mid-task; "In
  // progress" still has it, and it is submitted from there.
  await previewKind('selection');
  check(await w1.getByRole('radio').count() === 2, 'a QuestionForm selection is rendered as radio buttons');
  const selectionAssignment = await acceptTask();
  await w1.locator('#progress-list li', { hasText: 'Kind selection' }).waitFor();
  await w1.reload();
  await w1.locator('#conn', { hasText: 'Connected: live' }).waitFor();
  const inProgress = w1.locator('#progress-list li', { hasText: 'Kind selection' });
  await inProgress.waitFor();
  check(/\d+m \d+s|\d+s/.test(await inProgress.locator('.time-left').textContent()), 'after a reload, "In progress" lists the accepted HIT with its time left');
  await shoot(w1, 'worker-in-progress.png');
  await inProgress.getByRole('button', { name: 'Continue Kind selection' }).click();
  await w1.getByRole('radio', { name: 'Blue' }).check();
  await w1.click('#task-submit');
  await submitted(selectionAssignment);
  await w1.locator('#progress-list li').first().waitFor({ state: 'detached' });
  check((await answerOf('selection')).includes('<SelectionIdentifier>blue</SelectionIdentifier>'),
    'the reloaded task was submitted from "In progress", and it left the list');

  // The HTMLQuestion: hitd serves it by a signed link into a sandboxed
  // frame; its own script runs; its own form answers once accepted.
  await previewKind('html');
  const htmlFrame = w1.locator('#task-question iframe.task-frame');
  check((await htmlFrame.getAttribute('src')).startsWith(`${base}/question?hit=${kindHits.html}&`) &&
    await htmlFrame.getAttribute('sandbox') === 'allow-scripts allow-forms', 'an HTMLQuestion is hitd\'s /question page in a sandboxed iframe');
  let inside = w1.frameLocator('#task-question iframe.task-frame');
  await inside.locator('#inside', { hasText: 'script ran: ASSIGNMENT_ID_NOT_AVAILABLE' }).waitFor();
  check(true, 'the HTMLQuestion\'s own script ran and read assignmentId (not available in a preview)');
  await inside.locator('#send').click();
  await w1.locator('#task-msg', { hasText: 'Accept the HIT first' }).waitFor();
  check(true, 'sending the question\'s form before accepting says to accept first');
  const htmlAssignment = await acceptTask();
  inside = w1.frameLocator('#task-question iframe.task-frame');
  await inside.locator('#inside', { hasText: /script ran: S\d+/ }).waitFor();
  await inside.locator('#sky').fill('deep blue & clear');
  await inside.locator('#send').click();
  await submitted(htmlAssignment);
  const htmlAnswer = await answerOf('html');
  check(htmlAnswer.includes('<QuestionIdentifier>sky</QuestionIdentifier><FreeText>deep blue &amp; clear</FreeText>') &&
    !htmlAnswer.includes('assignmentId'), 'the HTMLQuestion\'s own form submitted the answer the requester reads');

  // The ExternalQuestion: its URL with MTurk's parameters; its form sends
  // to turkSubmitTo, and that answer is submitted.
  await previewKind('external');
  const extFrame = w1.locator('#task-question iframe.task-frame');
  check((await extFrame.getAttribute('src')).startsWith(`${externalUrl}?assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE`) &&
    await extFrame.getAttribute('sandbox') === 'allow-scripts allow-forms', 'an ExternalQuestion is its URL with MTurk\'s parameters in a sandboxed iframe');
  const externalAssignment = await acceptTask();
  const ext = w1.frameLocator('#task-question iframe.task-frame');
  await ext.locator('#birds').fill('3');
  await ext.locator('#send').click();
  await submitted(externalAssignment);
  check((await answerOf('external')).includes('<QuestionIdentifier>birds</QuestionIdentifier><FreeText>3</FreeText>'),
    'the ExternalQuestion\'s form sent its answer through /mturk/externalSubmit, and the requester reads it');
  await new Promise((r) => external.close(r));
  for (const id of Object.values(kindHits))
    await w1.locator(`#hit-rows tr[data-hit-id="${id}"]`).waitFor({ state: 'detached' });

  // Another HIT comes and expires: it leaves both worker pages.
  const expiringId = await createHit({ '#c-title': 'A HIT that expires', '#c-reward': '0.10', '#c-assign': '1', '#c-life': '30' });
  check(![hitId, second].includes(expiringId), `the requester created another HIT ${expiringId}`);
  for (const w of workers) await w.locator(`#hit-rows tr[data-hit-id="${expiringId}"]`).waitFor();
  check(true, 'the HIT appeared in both worker pages');
  await req.locator(`#hit-rows tr[data-hit-id="${expiringId}"]`).getByRole('button', { name: 'Expire A HIT that expires now' }).click();
  await req.locator('#hits-msg', { hasText: 'expired' }).waitFor();
  for (const w of workers) await w.locator(`#hit-rows tr[data-hit-id="${expiringId}"]`).waitFor({ state: 'detached' });
  check(true, 'the expired HIT disappeared from both worker pages');

  // The requester reviews the approved HIT again for the screenshot.
  await req.locator(`#hit-rows tr[data-hit-id="${hitId}"]`).getByRole('button', { name: `Review ${title}` }).click();
  await req.locator('#assignments li[data-status="Approved"]').waitFor();

  // Screenshots: the worker page with its dashboard, the requester page in review.
  await shoot(w1, 'worker-page.png');
  await shoot(req, 'requester-page.png');
  check(true, `screenshots saved in ${artefacts}`);

  // The server stops: it exits 0, and both pages say it is gone.
  const exit = new Promise((r) => server.once('exit', (c) => r(c)));
  server.kill('SIGTERM');
  const serverCode = await Promise.race([exit, new Promise((r) => setTimeout(() => r(null), 20_000))]);
  check(serverCode === 0, 'hitd exited 0 on SIGTERM');
  await w1.locator('#conn', { hasText: /Connection lost|Reconnecting/ }).waitFor();
  await req.locator('#conn', { hasText: 'Server not reachable' }).waitFor();
  check(true, 'with the server down, the worker page is reconnecting and the requester page says the server is not reachable');
}

let code = 0;
try {
  await main();
  log('PASS');
} catch (e) {
  console.error(`FAIL: ${e.stack || e}`);
  code = 1;
} finally {
  clearTimeout(overall);
  const serverCode = await cleanup();
  if (serverCode !== 0) {
    console.error(`FAIL: hitd did not exit cleanly after SIGTERM (exit code ${serverCode})`);
    code = 1;
  }
}
process.exit(code);
