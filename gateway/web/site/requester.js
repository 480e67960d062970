// The requester page: MTurk's requester API (POST / on this server, JSON 1.1,
// X-Amz-Target) signed in the browser with the requester's access key
// (sigv4.js). Live progress: the balance, the HIT list and the open review
// are re-read every POLL_MS while the page is visible, one round at a time.

import { $, el, duration, cents, money, say } from './common.js';
import { signedHeaders } from './sigv4.js';
import { answerLines, simpleQuestionForm } from './question.js';

const POLL_MS = 3000;
const PAGE = 100;                     // HITs shown: the newest 100
const TARGET = 'MTurkRequesterServiceV20170117.';

const state = { keyId: '', secret: '', timer: null, polling: false, review: null, hits: [], signedIn: false };

class ApiError extends Error {
  constructor(type, message, status) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

async function api(op, input = {}) {
  const body = JSON.stringify(input);
  const headers = await signedHeaders({ accessKeyId: state.keyId, secretAccessKey: state.secret,
    host: location.host, target: TARGET + op, body });
  let r;
  try {
    r = await fetch('/', { method: 'POST', headers, body, cache: 'no-store', signal: AbortSignal.timeout(15000) });
  } catch (e) {
    throw new ApiError('Offline', e.name === 'TimeoutError' ? 'The server did not answer in time.' : 'The server is not reachable. Is hitd running?', 0);
  }
  let out = {};
  try { out = await r.json(); } catch { /* an empty or non-JSON body */ }
  if (!r.ok) {
    const type = (out.__type || r.headers.get('x-amzn-ErrorType') || 'Error').split('#').pop().split(':')[0];
    throw new ApiError(type, out.Message || out.message || `HTTP ${r.status}`, r.status);
  }
  return out;
}

const authTypes = new Set(['UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignatureException',
  'MissingAuthenticationTokenException', 'InvalidClientTokenId', 'SignatureDoesNotMatch']);

function explain(e) {
  if (e.type === 'Offline') return e.message;
  if (authTypes.has(e.type)) return `The access key was not accepted (${e.type}).`;
  return `${e.message} (${e.type})`;
}

// ---- balance and HITs ----------------------------------------------------------------------------

async function poll() {
  if (state.polling || !state.signedIn) return;
  state.polling = true;
  try {
    const [b, list] = await Promise.all([api('GetAccountBalance'), api('ListHITs', { MaxResults: PAGE })]);
    $('#bal-available').textContent = money(b.AvailableBalance);
    $('#bal-held').textContent = b.OnHoldBalance !== undefined ? money(b.OnHoldBalance) : 'n/a';
    state.hits = (list.HITs || []).sort((a, c) => c.CreationTime - a.CreationTime);
    renderHits(Boolean(list.NextToken));
    if (state.review) await loadReview();
    setConn('Signed in: up to date', 'online');
    if ($('#hits-msg').dataset.kind === 'error') say($('#hits-msg'), '');   // the failure is over
  } catch (e) {
    if (authTypes.has(e.type)) return signOut(explain(e));
    setConn(e.type === 'Offline' ? 'Server not reachable; retrying…' : 'Refresh failed; retrying…', 'reconnecting');
    say($('#hits-msg'), explain(e), 'error');
  } finally {
    state.polling = false;
  }
}

function setConn(text, s) {
  $('#conn').textContent = text;
  $('#conn').dataset.state = s;
}

function renderHits(more) {
  const now = Date.now();
  $('#hit-rows').replaceChildren(...state.hits.map((h) => {
    const expiresMs = h.Expiration * 1000 - now;
    return el('tr', { 'data-hit-id': h.HITId },
      el('th', { scope: 'row', class: 'title' }, el('span', { text: h.Title }), el('span', { class: 'desc mono', text: h.HITId })),
      el('td', { class: 'status', text: h.HITStatus }),
      el('td', { class: 'num', text: money(h.Reward) }),
      el('td', { class: 'num available', text: `${h.NumberOfAssignmentsAvailable} / ${h.MaxAssignments}` }),
      el('td', { class: 'num pending', text: String(h.NumberOfAssignmentsPending) }),
      el('td', { class: 'num completed', text: String(h.NumberOfAssignmentsCompleted) }),
      el('td', { class: 'num', text: expiresMs > 0 ? duration(expiresMs) : 'expired' }),
      el('td', { class: 'row-actions' },
        el('button', { type: 'button', class: 'secondary', 'aria-label': `Review ${h.Title}`, text: 'Review',
          onclick: () => openReview(h) }),
        expiresMs > 0 ? el('button', { type: 'button', class: 'secondary', 'aria-label': `Expire ${h.Title} now`, text: 'Expire now',
          onclick: () => expire(h) }) : null));
  }));
  $('#hits-empty').hidden = state.hits.length > 0;
  $('#hit-table').hidden = state.hits.length === 0;
  if (more) say($('#hits-msg'), `Showing the newest ${PAGE} HITs.`);
}

async function expire(h) {
  try {
    await api('UpdateExpirationForHIT', { HITId: h.HITId, ExpireAt: 0 });
    say($('#hits-msg'), `HIT "${h.Title}" expired: workers no longer see it.`, 'ok');
    poll();
  } catch (e) {
    say($('#hits-msg'), explain(e), 'error');
  }
}

async function createHit(ev) {
  ev.preventDefault();
  const msg = $('#create-msg');
  const v = (id) => $(id).value.trim();
  const reward = v('#c-reward');
  if (cents(reward) === null) return say(msg, 'The reward is an amount such as 0.50.', 'error');
  const ints = [['#c-assign', 'Assignments', 1], ['#c-life', 'Available for', 30], ['#c-dur', 'Time to complete', 30]];
  for (const [id, name, min] of ints) {
    if (!/^\d+$/.test(v(id)) || Number(v(id)) < min) return say(msg, `${name} must be a whole number of at least ${min}.`, 'error');
  }
  say(msg, 'Creating…');
  try {
    const r = await api('CreateHIT', {
      Title: v('#c-title'), Description: v('#c-desc'), Reward: money(reward).slice(1),
      MaxAssignments: Number(v('#c-assign')), LifetimeInSeconds: Number(v('#c-life')),
      AssignmentDurationInSeconds: Number(v('#c-dur')), AutoApprovalDelayInSeconds: 259200,
      Question: simpleQuestionForm(v('#c-question')),
      UniqueRequestToken: `web-${Date.now()}-${Math.floor(Math.random() * 1e9)}`,
    });
    say(msg, `Created HIT ${r.HIT.HITId}. Workers see it now.`, 'ok');
    poll();
  } catch (e) {
    say(msg, explain(e), 'error');
  }
}

// ---- review, approve, reject, bonus ---------------------------------------------------------------

function openReview(h) {
  // notes: the last outcome shown under each assignment (kept when the
  // list is drawn again).
  state.review = { hitId: h.HITId, title: h.Title, shown: '', notes: new Map() };
  $('#review').hidden = false;
  $('#review-hit').textContent = `HIT "${h.Title}" (${h.HITId})`;
  say($('#review-msg'), '');
  $('#assignments').replaceChildren();
  loadReview().then(() => $('#review-h').focus());
}

async function loadReview() {
  const r = state.review;
  if (!r) return;
  let out;
  try {
    out = await api('ListAssignmentsForHIT', { HITId: r.hitId, MaxResults: 100 });
  } catch (e) {
    say($('#review-msg'), e.type === 'Offline' ? explain(e) : `This HIT cannot be reviewed: ${explain(e)}`, 'error');
    return;
  }
  const list = out.Assignments || [];
  // Re-render only when something changed, so typed feedback is kept.
  const key = list.map((a) => `${a.AssignmentId}:${a.AssignmentStatus}`).join(',');
  if (key === r.shown) return;
  r.shown = key;
  $('#assignments').replaceChildren(...list.map(assignmentItem));
  $('#review-empty').hidden = list.length > 0;
}

function assignmentItem(a) {
  const id = a.AssignmentId;
  const fb = el('input', { id: `fb-${id}`, placeholder: 'Optional for approval, required for rejection', maxlength: 1024 });
  const amount = el('input', { id: `bonus-${id}`, inputmode: 'decimal', size: 6, placeholder: '1.00' });
  const reason = el('input', { id: `reason-${id}`, placeholder: 'Thanks for the careful work', maxlength: 1024 });
  const msg = el('p', { class: 'msg', role: 'alert' });
  const decided = a.AssignmentStatus !== 'Submitted';
  const note = (text, kind) => {
    say(msg, text, kind);
    state.review?.notes.set(id, { text, kind });
    // The list may have been drawn again meanwhile: this assignment's message there too.
    const current = document.querySelector(`#assignments li[data-assignment-id="${id}"] .msg`);
    if (current && current !== msg) say(current, text, kind);
  };
  const act = async (what, fn) => {
    note(`${what}…`);
    try {
      await fn();
      note(`${what}: done.`, 'ok');
      poll();
    } catch (e) {
      note(explain(e), 'error');
    }
  };
  const kept = state.review?.notes.get(id);
  if (kept) say(msg, kept.text, kept.kind);
  return el('li', { class: 'assignment', 'data-assignment-id': id, 'data-status': a.AssignmentStatus },
    el('p', {}, el('strong', { text: a.AssignmentStatus }), ` — worker `, el('span', { class: 'mono', text: a.WorkerId }),
      a.SubmitTime ? ` — submitted ${new Date(a.SubmitTime * 1000).toLocaleString()}` : ''),
    el('blockquote', { class: 'answer' }, answerLines(a.Answer).map((l) => el('p', { text: l }))),
    decided ? null : el('div', { class: 'field' }, el('label', { for: `fb-${id}`, text: 'Feedback to the worker' }), fb),
    decided ? null : el('div', { class: 'actions' },
      el('button', { type: 'button', text: 'Approve', onclick: () => act('Approve', () => api('ApproveAssignment', { AssignmentId: id, RequesterFeedback: fb.value.trim() || undefined })) }),
      el('button', { type: 'button', class: 'danger', text: 'Reject', onclick: () => {
        if (!fb.value.trim()) return note('Say why in the feedback before rejecting.', 'error');
        return act('Reject', () => api('RejectAssignment', { AssignmentId: id, RequesterFeedback: fb.value.trim() }));
      } })),
    a.AssignmentStatus === 'Rejected' ? null : el('div', { class: 'inline-form' },
      el('div', { class: 'field inline' }, el('label', { for: `bonus-${id}`, text: 'Bonus ($)' }), amount),
      el('div', { class: 'field inline' }, el('label', { for: `reason-${id}`, text: 'Reason' }), reason),
      el('button', { type: 'button', class: 'secondary', text: 'Send bonus', onclick: () => {
        if (cents(amount.value.trim()) === null || cents(amount.value.trim()) <= 0) return note('Enter a bonus such as 1.00.', 'error');
        if (!reason.value.trim()) return note('Give a reason for the bonus (the worker sees it).', 'error');
        return act('Bonus', () => api('SendBonus', { WorkerId: a.WorkerId, AssignmentId: id,
          BonusAmount: money(amount.value.trim()).slice(1), Reason: reason.value.trim(), UniqueRequestToken: `bonus-${id}-${Date.now()}` }));
      } })),
    msg);
}

// ---- sign in / out -------------------------------------------------------------------------------

async function signIn(keyId, secret, fromStorage = false) {
  state.keyId = keyId;
  state.secret = secret;
  say($('#signin-msg'), 'Signing in…');
  try {
    await api('GetAccountBalance');
  } catch (e) {
    if (fromStorage && e.type === 'Offline') return say($('#signin-msg'), e.message, 'error');
    return say($('#signin-msg'), explain(e), 'error');
  }
  sessionStorage.setItem('hitd.requester', JSON.stringify({ keyId, secret }));
  state.signedIn = true;
  $('#signin').hidden = true;
  $('#app').hidden = false;
  $('#signout').hidden = false;
  say($('#signin-msg'), '');
  await poll();
  clearInterval(state.timer);
  state.timer = setInterval(() => { if (!document.hidden) poll(); }, POLL_MS);
}

function signOut(message = '') {
  state.signedIn = false;
  clearInterval(state.timer);
  sessionStorage.removeItem('hitd.requester');
  state.review = null;
  $('#signin').hidden = false;
  $('#app').hidden = true;
  $('#signout').hidden = true;
  setConn('Not signed in', 'offline');
  say($('#signin-msg'), message, message ? 'error' : 'info');
}

$('#signin-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const keyId = $('#key-id').value.trim();
  const secret = $('#secret').value.trim();
  if (!keyId || !secret) return say($('#signin-msg'), 'Enter the access key id and the secret.', 'error');
  signIn(keyId, secret);
});
$('#signout').addEventListener('click', () => signOut());
$('#create-form').addEventListener('submit', createHit);

try {
  const saved = JSON.parse(sessionStorage.getItem('hitd.requester') || 'null');
  if (saved && saved.keyId && saved.secret) signIn(saved.keyId, saved.secret, true);
} catch { /* nothing saved */ }
