// The worker page: the live HIT list over the worker protocol (docs/protocol.md)
// on this server's /ws, preview / accept / submit / return, the dashboard and
// withdrawals. State lives in this page; the token in sessionStorage.

import { $, el, duration, cents, dollars, money, percent, say } from './common.js';
import { renderQuestion, fieldAnswers } from './question.js';

const RECONNECT_MAX = 60;            // attempts before giving up (then: reload)
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const REQUEST_TIMEOUT_MS = 15000;    // a reply that does not come is an error
const EVENTS_SHOWN = 50;             // the activity list keeps the newest 50

const state = {
  token: '',
  ws: null,
  workerId: '',
  epoch: '',
  position: null,
  subscribed: false,
  hits: new Map(),                   // hit_id -> the HIT as the feed shows it
  attempts: 0,
  everConnected: false,
  nextId: 1,
  pending: new Map(),                // request id -> {resolve, reject, timer}
  task: null,                        // {hit, assignment, form}
  inProgress: [],                    // [{assignment, hit}]: the worker's accepted work, oldest first
  reconnectTimer: null,
  stopped: false,
};

const conn = $('#conn');

function setConn(text, s) {
  conn.textContent = text;
  conn.dataset.state = s;
}

// ---- requests ----------------------------------------------------------------------------------

function request(op, fields = {}) {
  return new Promise((resolve, reject) => {
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
      reject(Object.assign(new Error('Not connected to the server; wait for the reconnect.'), { code: 'offline' }));
      return;
    }
    const id = `r${state.nextId++}`;
    const timer = setTimeout(() => {
      state.pending.delete(id);
      reject(Object.assign(new Error('The server did not answer in time.'), { code: 'timeout' }));
    }, REQUEST_TIMEOUT_MS);
    state.pending.set(id, { resolve, reject, timer });
    state.ws.send(JSON.stringify({ id, op, ...fields }));
  });
}

function failPending(why) {
  for (const [, p] of state.pending) {
    clearTimeout(p.timer);
    p.reject(Object.assign(new Error(why), { code: 'offline' }));
  }
  state.pending.clear();
}

const friendly = {
  hit_does_not_exist: 'This HIT is gone: it expired, every assignment was taken, or the requester withdrew it.',
  invalid_hit_state: 'This HIT can no longer be accepted (expired or full).',
  assignment_already_exists: 'You already took this HIT.',
  does_not_meet_requirements: 'You do not meet this HIT\'s qualification requirements.',
  worker_blocked: 'This requester has blocked you.',
  exceeds_daily_limit: 'You reached today\'s limit of accepted HITs.',
  invalid_assignment_state: 'This assignment is no longer in progress (its time may have run out).',
  withdrawal_not_allowed: 'Withdrawal not allowed now (probation, below the minimum, or above your balance).',
  insufficient_funds: 'Not enough earnings for that amount.',
  rate_limited: 'Too many actions at once; try again in a moment.',
};
function explain(e) {
  return friendly[e.code] ? `${friendly[e.code]} (${e.code})` : e.message;
}

// ---- connection ----------------------------------------------------------------------------------

async function serverUp() {
  try {
    const r = await fetch('/healthz', { cache: 'no-store' });
    return r.ok;
  } catch {
    return false;
  }
}

function connect() {
  if (state.stopped) return;
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${location.host}/ws?token=${encodeURIComponent(state.token)}`);
  state.ws = ws;
  let hello = false;
  setConn(state.attempts ? `Reconnecting (attempt ${state.attempts})…` : 'Connecting…', 'connecting');
  ws.onmessage = (m) => {
    let f;
    try { f = JSON.parse(m.data); } catch { return; }
    if (f.type === 'hello') {
      hello = true;
      onHello(f);
      return;
    }
    onFrame(f);
  };
  ws.onclose = async (ev) => {
    if (state.ws !== ws) return;
    state.ws = null;
    state.subscribed = false;
    failPending('The connection closed before the server answered.');
    if (state.stopped) return;
    if (!hello && !state.everConnected) {
      // Refused at the upgrade: a wrong token, or the server is down.
      const up = await serverUp();
      if (up) showSignin('The server did not accept this token. Check it and try again.', true);
      else showSignin('The server is not reachable. Is hitd running? Sign in again when it is.', false);
      return;
    }
    if (ev.code === 4001) {
      showSignin('Your token is no longer valid. Sign in again.', true);
      return;
    }
    scheduleReconnect(ev.code === 4029 ? 'too many commands' : '');
  };
}

function scheduleReconnect(why) {
  state.attempts += 1;
  if (state.attempts > RECONNECT_MAX) {
    setConn('Disconnected. Reload the page to try again.', 'offline');
    return;
  }
  const wait = BACKOFF_MS[Math.min(state.attempts - 1, BACKOFF_MS.length - 1)] * (0.8 + Math.random() * 0.4);
  setConn(`Connection lost${why ? ` (${why})` : ''}; reconnecting in ${Math.ceil(wait / 1000)} s (attempt ${state.attempts})…`, 'reconnecting');
  state.reconnectTimer = setTimeout(connect, wait);
}

async function onHello(f) {
  state.workerId = f.worker_id;
  $('#who').textContent = `Signed in as worker ${f.worker_id}`;
  showApp();
  const reconnect = state.everConnected;
  state.everConnected = true;
  try {
    const filters = currentServerFilters();
    let r;
    if (reconnect && state.position !== null && state.epoch) {
      r = await request('resume', { position: state.position, epoch: state.epoch, filters });
    } else {
      r = await request('subscribe', { filters });
    }
    applySubscribed(r);
    state.attempts = 0;
    if (!reconnect) setConn('Connected: live', 'online');
    else if (r.resumed) setConn(`Reconnected: resumed, ${r.replayed} change(s) caught up`, 'online');
    else setConn('Reconnected: list reloaded', 'online');
    refreshDashboard();
    refreshInProgress();
  } catch (e) {
    setConn(`Connected, but the list could not be loaded: ${explain(e)}`, 'reconnecting');
  }
}

function currentServerFilters() {
  return $('#f-qual').checked ? { qualified_only: true } : {};
}

// ---- the HIT list ----------------------------------------------------------------------------------

function applySubscribed(r) {
  state.subscribed = true;
  state.epoch = r.epoch;
  state.position = r.position;
  if (r.groups) {
    state.hits.clear();
    for (const g of r.groups) {
      const { hits, ...group } = g;
      for (const h of hits) state.hits.set(h.hit_id, { ...group, ...h });
    }
  }
  render();
}

function onFrame(f) {
  if (f.id !== undefined && f.id !== null && state.pending.has(f.id)) {
    const p = state.pending.get(f.id);
    state.pending.delete(f.id);
    clearTimeout(p.timer);
    if (f.error) p.reject(Object.assign(new Error(f.error.message), { code: f.error.code }));
    else p.resolve(f);
    return;
  }
  if (f.error) return;
  switch (f.type) {
    case 'hit.available':
      state.position = f.position;
      state.hits.set(f.hit.hit_id, f.hit);
      render();
      break;
    case 'hit.updated': {
      state.position = f.position;
      const h = state.hits.get(f.hit_id);
      if (h) {
        Object.assign(h, f.hit || {}, { assignments_available: f.assignments_available,
          max_assignments: f.max_assignments, expiration: f.expiration });
        render();
      }
      break;
    }
    case 'hit.expired':
      state.position = f.position;
      state.hits.delete(f.hit_id);
      render();
      if (state.task && !state.task.assignment && state.task.hit.hit_id === f.hit_id)
        say($('#task-msg'), friendly.hit_does_not_exist, 'error');
      break;
    case 'heartbeat':
      if (state.subscribed && f.epoch === state.epoch) state.position = f.position;
      break;
    default:
      if (f.type && f.seq !== undefined) personal(f);
  }
}

function sortedFilteredHits() {
  const min = cents($('#f-min').value.trim() || '0');
  const text = $('#f-text').value.trim().toLowerCase();
  const sort = $('#f-sort').value;
  const list = [...state.hits.values()].filter((h) => {
    if (min !== null && cents(h.reward) < min) return false;
    if (text && !`${h.title} ${h.requester_id} ${h.keywords || ''}`.toLowerCase().includes(text)) return false;
    return true;
  });
  list.sort((a, b) => {
    if (sort === 'reward') return (cents(b.reward) - cents(a.reward)) || (a.expiration - b.expiration);
    if (sort === 'expiry') return (a.expiration - b.expiration) || (cents(b.reward) - cents(a.reward));
    return b.creation_time - a.creation_time;
  });
  return list;
}

function badges(reqs) {
  if (!reqs || reqs.length === 0) return el('span', { class: 'muted', text: 'none' });
  return el('ul', { class: 'badges' }, reqs.map((r) => el('li', {
    class: 'badge', title: `${r.qualification_type_id} ${r.comparator} ${(r.integer_values || r.locale_values || []).map((v) => typeof v === 'object' ? v.Country || JSON.stringify(v) : v).join(', ')} (guards ${r.actions_guarded})`,
    text: `${r.qualification_type_id.slice(0, 10)} ${r.comparator}`,
  })));
}

function render() {
  const rows = $('#hit-rows');
  const list = sortedFilteredHits();
  const now = Date.now();
  rows.replaceChildren(...list.map((h) => el('tr', { 'data-hit-id': h.hit_id },
    el('th', { scope: 'row', class: 'title' }, el('span', { text: h.title }),
      h.description ? el('span', { class: 'desc', text: h.description }) : null),
    el('td', { class: 'mono', text: h.requester_id }),
    el('td', { class: 'num', text: money(h.reward) }),
    el('td', { class: 'num left', text: `${h.assignments_available} / ${h.max_assignments}` }),
    el('td', { class: 'num time-left', 'data-expiration': h.expiration, text: duration(h.expiration - now) }),
    el('td', {}, badges(h.requirements)),
    el('td', { class: 'row-actions' },
      el('button', { type: 'button', class: 'secondary', 'aria-label': `Preview ${h.title}`, onclick: () => preview(h.hit_id), text: 'Preview' }),
      el('button', { type: 'button', 'aria-label': `Accept ${h.title}`, onclick: () => preview(h.hit_id, true), text: 'Accept' })))));
  $('#hit-count').textContent = `(${list.length}${list.length !== state.hits.size ? ` of ${state.hits.size}` : ''})`;
  $('#hits-empty').hidden = list.length > 0;
  $('#hits-empty').textContent = state.hits.size > 0 ? 'No HIT matches the filters.' : 'No HITs available right now. New ones appear here as requesters post them.';
  $('#hit-table').hidden = list.length === 0;
}

function tick() {
  const now = Date.now();
  for (const td of document.querySelectorAll('#hit-rows .time-left'))
    td.textContent = duration(Number(td.dataset.expiration) - now);
  for (const span of document.querySelectorAll('#progress-list .time-left'))
    span.textContent = duration(Number(span.dataset.deadline) - now);
  if (state.task && state.task.assignment) {
    const left = state.task.assignment.deadline - now;
    $('#task-deadline').textContent = duration(left);
    if (left <= 0) say($('#task-msg'), 'The time for this assignment ran out.', 'error');
  }
}

// ---- the task: preview, accept, submit, return ---------------------------------------------------------

async function preview(hitId, acceptNow = false) {
  const msg = $('#task-msg');
  let r;
  try {
    r = await request('preview', { hit_id: hitId });
  } catch (e) {
    openTask(state.hits.get(hitId) || { hit_id: hitId, title: hitId }, null);
    say(msg, explain(e), 'error');
    $('#task-accept').hidden = true;
    return;
  }
  openTask(r.hit, r.hit.question);
  if (acceptNow) accept();
}

function openTask(hit, question, assignment = null) {
  const section = $('#task');
  section.hidden = false;
  state.task = { hit, assignment, form: null, question };
  $('#task-head').replaceChildren(
    el('h3', { text: hit.title }),
    hit.description ? el('p', { text: hit.description }) : null,
    el('dl', { class: 'pairs' },
      el('dt', { text: 'Requester' }), el('dd', { class: 'mono', text: hit.requester_id || '' }),
      el('dt', { text: 'Reward' }), el('dd', { text: hit.reward ? money(hit.reward) : '' }),
      el('dt', { text: 'Time allotted' }), el('dd', { text: hit.assignment_duration_s ? duration(hit.assignment_duration_s * 1000) : '' }),
      el('dt', { text: 'Time left to submit' }), el('dd', { id: 'task-deadline', text: 'not accepted yet' })));
  say($('#task-msg'), '');
  showQuestion();
  $('#task-accept').hidden = false;
  $('#task-submit').hidden = true;
  $('#task-return').hidden = true;
  $('#task-h').focus?.();
  section.scrollIntoView({ block: 'start' });
}

function closeTask() {
  $('#task').hidden = true;
  state.task = null;
}

async function accept() {
  const t = state.task;
  if (!t) return;
  const msg = $('#task-msg');
  say(msg, 'Accepting…');
  try {
    const r = await request('accept', { hit_id: t.hit.hit_id, idempotency_key: `acc-${t.hit.hit_id}-${Date.now()}` });
    showAccepted(r.assignment);
    say(msg, `Accepted. Assignment ${r.assignment.assignment_id}: submit before the time runs out.`, 'ok');
    refreshInProgress();   // the accept's answer comes after the worker recorded it: listed now
  } catch (e) {
    say(msg, explain(e), 'error');
  }
}

// The task's question; a framed one (HTMLQuestion, ExternalQuestion) gets
// the assignment (none in a preview) and answers through its own form.
function showQuestion() {
  const t = state.task;
  const q = $('#task-question');
  if (t.question === null || t.question === undefined) {
    q.replaceChildren();
    t.form = null;
    return;
  }
  t.form = renderQuestion(t.question, q, 'task', {
    questionUrl: t.hit.question_url, hitId: t.hit.hit_id, workerId: state.workerId,
    assignmentId: t.assignment ? t.assignment.assignment_id : '',
    onSubmit: (fields) => submitFields(t, fields),
  });
}

// The framed question's form was sent: its fields are the answer.
async function submitFields(t, fields) {
  if (state.task !== t) return;
  if (!t.assignment) {
    say($('#task-msg'), 'Accept the HIT first, then send its form.', 'error');
    return;
  }
  await sendAnswer(t, fieldAnswers(fields));
}

// The open task is this accepted assignment: submit and return, the time
// left; a framed question is loaded again with the assignment's id.
function showAccepted(assignment) {
  state.task.assignment = assignment;
  if (state.task.form && (state.task.form.kind === 'html' || state.task.form.kind === 'external')) showQuestion();
  showButtons();
  tick();
}

function showButtons() {
  const accepted = Boolean(state.task.assignment);
  $('#task-accept').hidden = accepted;
  $('#task-submit').hidden = !accepted;
  $('#task-return').hidden = !accepted;
}

// Work accepted earlier (in this page, another tab, or before a reload):
// the task view again, with the question and the time left.
function resumeTask(item) {
  openTask(item.hit, item.hit.question, item.assignment);
  showButtons();
  tick();
  say($('#task-msg'), `Assignment ${item.assignment.assignment_id} is in progress: submit before the time runs out.`, 'ok');
}

// ---- work in progress ------------------------------------------------------------------------------------

// An assignment.accepted event can come before the worker's own record of
// the accept (the HIT announces it, then tells the worker): an id the event
// named and the list does not have yet is asked for again, a few times.
const progressExpected = new Map();   // assignment id -> tries left
let progressBusy = false;
let progressAgain = false;
let progressRetry = null;
async function refreshInProgress(expect = '') {
  if (expect) progressExpected.set(expect, 4);
  if (progressBusy) { progressAgain = true; return; }
  progressBusy = true;
  try {
    const r = await request('assignments');
    state.inProgress = r.assignments;
    renderInProgress(r.more);
    say($('#progress-msg'), '');
    for (const item of r.assignments) progressExpected.delete(item.assignment.assignment_id);
    for (const [id, left] of progressExpected) {
      if (left <= 1 || r.more) progressExpected.delete(id);
      else progressExpected.set(id, left - 1);
    }
    if (progressExpected.size && !progressRetry)
      progressRetry = setTimeout(() => { progressRetry = null; refreshInProgress(); }, 300);
  } catch (e) {
    say($('#progress-msg'), `Your work in progress could not be read: ${explain(e)}`, 'error');
  } finally {
    progressBusy = false;
    if (progressAgain) { progressAgain = false; refreshInProgress(); }
  }
}

function renderInProgress(more) {
  const now = Date.now();
  $('#progress-list').replaceChildren(...state.inProgress.map((item) => el('li', { 'data-assignment-id': item.assignment.assignment_id },
    el('span', { class: 'title', text: item.hit.title }),
    el('span', { class: 'mono', text: item.assignment.assignment_id }),
    el('span', { text: money(item.assignment.reward) }),
    el('span', {}, 'time left ', el('span', { class: 'time-left', 'data-deadline': item.assignment.deadline,
      text: duration(item.assignment.deadline - now) })),
    el('button', { type: 'button', 'aria-label': `Continue ${item.hit.title}`, onclick: () => resumeTask(item), text: 'Continue' }))));
  $('#progress-count').textContent = state.inProgress.length ? `(${state.inProgress.length}${more ? '+' : ''})` : '';
  $('#progress-empty').hidden = state.inProgress.length > 0;
  $('#progress-more').hidden = !more;
}

async function submit(ev) {
  ev.preventDefault();
  const t = state.task;
  const msg = $('#task-msg');
  if (!t || !t.assignment) return;
  let answer;
  try {
    answer = t.form ? t.form.answer() : '<QuestionFormAnswers/>';
  } catch (e) {
    say(msg, e.message, 'error');
    return;
  }
  await sendAnswer(t, answer);
}

async function sendAnswer(t, answer) {
  const msg = $('#task-msg');
  say(msg, 'Submitting…');
  try {
    await request('submit', { assignment_id: t.assignment.assignment_id, answer, idempotency_key: `sub-${t.assignment.assignment_id}` });
    if (state.task === t) closeTask();
    say($('#dash-msg'), `Submitted assignment ${t.assignment.assignment_id}. The requester reviews it next.`, 'ok');
  } catch (e) {
    say(msg, explain(e), 'error');
  }
}

async function giveBack() {
  const t = state.task;
  if (!t || !t.assignment) return;
  try {
    await request('return', { assignment_id: t.assignment.assignment_id });
    closeTask();
    say($('#dash-msg'), `Returned assignment ${t.assignment.assignment_id}.`, 'ok');
  } catch (e) {
    say($('#task-msg'), explain(e), 'error');
  }
}

// ---- the personal stream and the dashboard -------------------------------------------------------------

const eventText = {
  'assignment.accepted': (f) => `Accepted ${f.hit_id} (${money(f.reward)})`,
  'assignment.submitted': (f) => `Submitted ${f.assignment_id}`,
  'assignment.approved': (f) => `Approved ${f.assignment_id}: earned ${money(f.reward)}`,
  'assignment.rejected': (f) => `Rejected ${f.assignment_id}${f.feedback ? `: ${f.feedback}` : ''}`,
  'assignment.returned': (f) => `Returned ${f.assignment_id}`,
  'assignment.abandoned': (f) => `Time ran out on ${f.assignment_id}`,
  'bonus.paid': (f) => `Bonus of ${money(f.amount)} for ${f.assignment_id}`,
  'earnings.withdrawn': (f) => `Withdrew ${money(f.amount)}`,
  'qualification.granted': (f) => `Qualification ${f.qualification_type_id} granted`,
  'qualification.revoked': (f) => `Qualification ${f.qualification_type_id} revoked`,
  'worker.blocked': (f) => `Blocked by ${f.requester_id}`,
  'worker.unblocked': (f) => `Unblocked by ${f.requester_id}`,
  'worker.notified': (f) => `Message from ${f.requester_id}: ${f.subject || ''}`,
};

function personal(f) {
  const text = (eventText[f.type] || ((x) => x.type))(f);
  const list = $('#events');
  list.prepend(el('li', { 'data-type': f.type }, el('time', { text: new Date(f.time || Date.now()).toLocaleTimeString() }), ' ', text));
  while (list.children.length > EVENTS_SHOWN) list.lastElementChild.remove();
  $('#events-empty').hidden = true;
  if (f.type.startsWith('assignment.') || f.type === 'bonus.paid' || f.type === 'earnings.withdrawn')
    refreshDashboard();
  if (f.type === 'assignment.accepted') refreshInProgress(f.assignment_id);
  else if (['assignment.submitted', 'assignment.returned', 'assignment.abandoned'].includes(f.type)) refreshInProgress();
}

let dashboardBusy = false;
let dashboardAgain = false;
async function refreshDashboard() {
  if (dashboardBusy) { dashboardAgain = true; return; }
  dashboardBusy = true;
  try {
    const d = await request('dashboard');
    showDashboard(d);
    say($('#dash-msg'), $('#dash-msg').dataset.kind === 'error' ? '' : $('#dash-msg').textContent, $('#dash-msg').dataset.kind);
  } catch (e) {
    say($('#dash-msg'), `The dashboard could not be read: ${explain(e)}`, 'error');
  } finally {
    dashboardBusy = false;
    if (dashboardAgain) { dashboardAgain = false; refreshDashboard(); }
  }
}

function pairs(node, list) {
  node.replaceChildren(...list.flatMap(([k, v, id]) => [el('dt', { text: k }), el('dd', { id, text: v })]));
}

function showDashboard(d) {
  const e = d.earnings;
  pairs($('#earnings'), [
    ['Total earned', money(e.total), 'earn-total'], ['HIT rewards', money(e.rewards), 'earn-rewards'],
    ['Bonuses', money(e.bonuses), 'earn-bonuses'], ['Available to withdraw', money(e.available), 'earn-available'],
    ['Withdrawn', money(e.withdrawn), 'earn-withdrawn']]);
  const t = d.totals;
  const p = t.percentages;
  pairs($('#totals'), [
    ['Accepted', String(t.accepted)], ['Submitted', String(t.submitted)], ['Pending review', String(t.pending)],
    ['Approved', `${t.approved} (${percent(p.approved_bp)})`, 'tot-approved'], ['Rejected', `${t.rejected} (${percent(p.rejected_bp)})`],
    ['Returned', `${t.returned} (${percent(p.returned_bp)})`], ['Abandoned', `${t.abandoned} (${percent(p.abandoned_bp)})`]]);
  if (d.on_probation) $('#totals').append(el('dt', { text: 'Status' }), el('dd', { text: 'On probation (withdrawals wait until it ends)' }));
  $('#days').replaceChildren(...d.days.map((day) => el('tr', {},
    el('th', { scope: 'row', text: day.date }), el('td', { class: 'num', text: String(day.submitted) }),
    el('td', { class: 'num', text: String(day.approved) }), el('td', { class: 'num', text: String(day.rejected) }),
    el('td', { class: 'num', text: String(day.pending) }), el('td', { class: 'num', text: money(day.income) }))));
  $('#days-empty').hidden = d.days.length > 0;
  $('#days-wrap').hidden = d.days.length === 0;
  chart(d.days);
}

// Income per day, oldest on the left: an SVG bar chart (last 14 days shown).
function chart(days) {
  const NS = 'http://www.w3.org/2000/svg';
  const box = $('#chart');
  const data = days.slice(0, 14).reverse().map((d) => ({ date: d.date, c: cents(d.income) || 0 }));
  if (data.length === 0) {
    box.replaceChildren(el('p', { class: 'empty', text: 'No earnings yet.' }));
    return;
  }
  const max = Math.max(1, ...data.map((d) => d.c));
  const W = 280, H = 120, pad = 18, bw = Math.min(40, (W - 2 * pad) / data.length - 4);
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H + 20}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Income per day: ${data.map((d) => `${d.date} ${dollars(d.c)}`).join('; ')}`);
  data.forEach((d, i) => {
    const h = Math.round((d.c / max) * (H - pad));
    const x = pad + i * ((W - 2 * pad) / data.length);
    const r = document.createElementNS(NS, 'rect');
    r.setAttribute('x', x); r.setAttribute('y', H - h); r.setAttribute('width', bw); r.setAttribute('height', Math.max(h, 1));
    r.setAttribute('class', 'bar');
    const title = document.createElementNS(NS, 'title');
    title.textContent = `${d.date}: ${dollars(d.c)}`;
    r.append(title);
    const label = document.createElementNS(NS, 'text');
    label.setAttribute('x', x + bw / 2); label.setAttribute('y', H + 14); label.setAttribute('text-anchor', 'middle');
    label.setAttribute('class', 'axis');
    label.textContent = d.date.slice(5);
    const value = document.createElementNS(NS, 'text');
    value.setAttribute('x', x + bw / 2); value.setAttribute('y', H - h - 3); value.setAttribute('text-anchor', 'middle');
    value.setAttribute('class', 'axis');
    value.textContent = dollars(d.c);
    svg.append(r, label, value);
  });
  box.replaceChildren(svg);
}

async function withdraw(ev) {
  ev.preventDefault();
  const msg = $('#w-msg');
  const amount = $('#w-amount').value.trim();
  if (cents(amount) === null || cents(amount) <= 0) {
    say(msg, 'Enter an amount such as 5.00.', 'error');
    return;
  }
  try {
    const r = await request('withdraw', { amount, idempotency_key: `wd-${Date.now()}` });
    say(msg, `Withdrew ${money(r.amount)}; ${money(r.available_balance)} left.`, 'ok');
    refreshDashboard();
  } catch (e) {
    say(msg, explain(e), 'error');
  }
}

// ---- sign in / out -----------------------------------------------------------------------------------

// Back to the sign-in form; forget: the saved token is wrong.
function showSignin(message, forget = false) {
  state.stopped = true;
  clearTimeout(state.reconnectTimer);
  if (state.ws) state.ws.close(1000);
  state.ws = null;
  $('#signin').hidden = false;
  $('#app').hidden = true;
  $('#signout').hidden = true;
  setConn('Not connected', 'offline');
  say($('#signin-msg'), message || '', message ? 'error' : 'info');
  if (forget) sessionStorage.removeItem('hitd.worker.token');
  else if (!$('#token').value) $('#token').value = sessionStorage.getItem('hitd.worker.token') || '';
}

function showApp() {
  $('#signin').hidden = true;
  $('#app').hidden = false;
  $('#signout').hidden = false;
}

function start(token) {
  Object.assign(state, { token, stopped: false, attempts: 0, everConnected: false, position: null, epoch: '' });
  state.hits.clear();
  sessionStorage.setItem('hitd.worker.token', token);
  say($('#signin-msg'), 'Connecting…');
  connect();
}

$('#signin-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const token = $('#token').value.trim();
  if (!token) {
    say($('#signin-msg'), 'Enter your worker token.', 'error');
    return;
  }
  start(token);
});
$('#signout').addEventListener('click', () => {
  sessionStorage.removeItem('hitd.worker.token');
  showSignin('');
});
for (const id of ['#f-min', '#f-text', '#f-sort']) $(id).addEventListener('input', render);
$('#f-qual').addEventListener('change', async () => {
  try {
    applySubscribed(await request('subscribe', { filters: currentServerFilters() }));
  } catch (e) {
    setConn(`The list could not be reloaded: ${explain(e)}`, 'reconnecting');
  }
});
$('#filters').addEventListener('submit', (ev) => ev.preventDefault());
$('#task-accept').addEventListener('click', accept);
$('#task-form').addEventListener('submit', submit);
$('#task-return').addEventListener('click', giveBack);
$('#task-close').addEventListener('click', closeTask);
$('#dash-refresh').addEventListener('click', refreshDashboard);
$('#withdraw-form').addEventListener('submit', withdraw);
setInterval(tick, 1000);
render();

const saved = sessionStorage.getItem('hitd.worker.token');
if (saved) start(saved);
