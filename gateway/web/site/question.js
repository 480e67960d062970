// A HIT's Question, shown to the worker, and the answer built from what the
// worker entered (a QuestionFormAnswers document, as MTurk's workers send).
//
// - QuestionForm: rendered as a form (FreeTextAnswer: a text area;
//   SelectionAnswer: radio buttons, or check boxes when more than one may be
//   chosen). Text only: FormattedContent and binary content show as text.
// - HTMLQuestion: its page from this server (GET /question by the signed
//   `question_url` the feed gave), in an iframe sandboxed to an opaque
//   origin (scripts and forms allowed; it cannot reach this page or the
//   worker's token). Without a link: its HTML inline, with no scripts.
// - ExternalQuestion: its ExternalURL in a sandboxed iframe (scripts and
//   forms allowed, but not this origin), with MTurk's parameters
//   (assignmentId, hitId, workerId, turkSubmitTo).
// Either kind's own form sends its answer to /mturk/externalSubmit, whose
// page hands the fields to this page (postMessage); `onSubmit(fields)` then
// gets them. A free-text answer field below the frame is the fallback.

import { el, xmlEscape } from './common.js';

const ANSWERS_NS = 'http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd';

function child(node, name) {
  return Array.from(node.children).find((c) => c.localName === name) || null;
}
function children(node, name) {
  return Array.from(node.children).filter((c) => c.localName === name);
}
function textOf(node, name) {
  const c = node && child(node, name);
  return c ? c.textContent.trim() : '';
}

// The frame whose form answers now, and what to do with its fields.
let framed = null;   // { frame, onSubmit }
window.addEventListener('message', (e) => {
  if (!framed || e.source !== framed.frame.contentWindow) return;
  const d = e.data;
  if (!d || d.type !== 'hitd.externalSubmit' || !Array.isArray(d.fields)) return;
  const fields = d.fields.filter((f) => Array.isArray(f) && f.length === 2).map(([k, v]) => [String(k), String(v)]);
  framed.onSubmit(fields, String(d.assignmentId || ''));
});

// MTurk's parameters for a question's page: the assignment (or
// ASSIGNMENT_ID_NOT_AVAILABLE in a preview), HIT, worker and where to send
// the answer (this server).
function withTurkParams(url, ctx) {
  const u = new URL(url, location.href);
  u.searchParams.set('assignmentId', ctx.assignmentId || 'ASSIGNMENT_ID_NOT_AVAILABLE');
  if (ctx.hitId) u.searchParams.set('hitId', ctx.hitId);
  if (ctx.workerId && ctx.assignmentId) u.searchParams.set('workerId', ctx.workerId);
  u.searchParams.set('turkSubmitTo', location.origin);
  return u.href;
}

// Renders `xml` into `container`; returns { kind, answer() } where answer()
// gives the QuestionFormAnswers XML, or throws an Error naming what is
// missing. `ctx`: { questionUrl, hitId, assignmentId, workerId,
// onSubmit(fields, assignmentId) } for the framed kinds.
export function renderQuestion(xml, container, idPrefix = 'q', ctx = {}) {
  framed = null;
  container.replaceChildren();
  const doc = new DOMParser().parseFromString(xml || '', 'application/xml');
  const root = doc.documentElement;
  if (!root || root.localName === 'parsererror' || doc.getElementsByTagName('parsererror').length) {
    container.append(el('p', { class: 'error', text: 'This HIT\'s question could not be read.' }));
    return freeText(container, idPrefix, 'unreadable');
  }
  if (root.localName === 'QuestionForm') return questionForm(root, container, idPrefix);
  if (root.localName === 'HTMLQuestion') {
    let frame;
    if (ctx.questionUrl) {
      frame = el('iframe', { class: 'task-frame', title: 'The HIT\'s question (HTML)', src: withTurkParams(ctx.questionUrl, ctx),
        sandbox: 'allow-scripts allow-forms', referrerpolicy: 'no-referrer' });
    } else {
      frame = el('iframe', { class: 'task-frame', title: 'The HIT\'s question (HTML)', sandbox: '', referrerpolicy: 'no-referrer' });
      frame.srcdoc = textOf(root, 'HTMLContent');
    }
    frameHeight(frame, root);
    container.append(frame);
    if (ctx.onSubmit) framed = { frame, onSubmit: ctx.onSubmit };
    return freeText(container, idPrefix, 'html', Boolean(ctx.questionUrl));
  }
  if (root.localName === 'ExternalQuestion') {
    const url = textOf(root, 'ExternalURL');
    if (/^https?:\/\//i.test(url)) {
      const frame = el('iframe', { class: 'task-frame', title: 'The HIT\'s question (external page)', src: withTurkParams(url, ctx),
        sandbox: 'allow-scripts allow-forms', referrerpolicy: 'no-referrer' });
      frameHeight(frame, root);
      container.append(frame);
      container.append(el('p', {}, 'External page: ', el('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text: url })));
      if (ctx.onSubmit) framed = { frame, onSubmit: ctx.onSubmit };
      return freeText(container, idPrefix, 'external', true);
    }
    container.append(el('p', { class: 'error', text: 'The external question has no http(s) address.' }));
    return freeText(container, idPrefix, 'external');
  }
  container.append(el('p', { class: 'error', text: `Unknown question type: ${root.localName}` }));
  return freeText(container, idPrefix, 'unknown');
}

// The iframe's height: the question's FrameHeight (pixels; 0 or none: the
// stylesheet's default), at most 4,000.
function frameHeight(frame, root) {
  const h = Number(textOf(root, 'FrameHeight'));
  if (Number.isInteger(h) && h > 0) frame.style.height = `${Math.min(h, 4000)}px`;
}

// One free-text answer (identifier "answer"); `framedForm`: the question's
// own form is the usual way to answer, this field the fallback.
function freeText(container, idPrefix, kind, framedForm = false) {
  const id = `${idPrefix}-answer`;
  const area = el('textarea', { id, name: 'answer', rows: 4, required: true });
  container.append(el('div', { class: 'field' }, el('label', { for: id, text: 'Your answer' }), area,
    framedForm ? el('p', { class: 'hint', text: 'Submit the form above when you are done (after accepting the HIT); or type your answer here and use Submit below.' }) : null));
  return {
    kind,
    answer() {
      if (!area.value.trim()) throw new Error('Enter your answer first.');
      return answers([{ id: 'answer', free: area.value }]);
    },
  };
}

function content(node) {
  // QuestionContent / Overview: Title, Text, List, FormattedContent as text.
  const out = [];
  for (const c of node ? Array.from(node.children) : []) {
    if (c.localName === 'Title') out.push(el('h4', { text: c.textContent.trim() }));
    else if (c.localName === 'List') out.push(el('ul', {}, children(c, 'ListItem').map((i) => el('li', { text: i.textContent.trim() }))));
    else if (c.textContent.trim()) out.push(el('p', { text: c.textContent.trim() }));
  }
  return out;
}

function questionForm(root, container, idPrefix) {
  const getters = [];
  let n = 0;
  for (const item of Array.from(root.children)) {
    if (item.localName === 'Overview') {
      container.append(el('div', { class: 'overview' }, content(item)));
      continue;
    }
    if (item.localName !== 'Question') continue;
    const qid = textOf(item, 'QuestionIdentifier') || `q${n}`;
    const required = textOf(item, 'IsRequired') !== 'false';
    const domId = `${idPrefix}-${n++}`;
    const spec = child(item, 'AnswerSpecification');
    const free = spec && child(spec, 'FreeTextAnswer');
    const sel = spec && child(spec, 'SelectionAnswer');
    const fieldset = el('fieldset', { class: 'question' });
    const legendText = textOf(item, 'DisplayName') || `Question ${n}`;
    fieldset.append(el('legend', { text: legendText }), ...content(child(item, 'QuestionContent')));
    if (sel) {
      const max = Number(textOf(sel, 'MaxSelectionCount') || '1');
      const type = max > 1 ? 'checkbox' : 'radio';
      const boxes = [];
      const selections = child(sel, 'Selections');
      children(selections || sel, 'Selection').forEach((s, i) => {
        const sid = textOf(s, 'SelectionIdentifier');
        const inputId = `${domId}-${i}`;
        const box = el('input', { type, id: inputId, name: domId, value: sid });
        boxes.push(box);
        fieldset.append(el('div', { class: 'choice' }, box, el('label', { for: inputId, text: textOf(s, 'Text') || sid })));
      });
      getters.push(() => {
        const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
        if (required && chosen.length === 0) throw new Error(`Choose an answer for "${legendText}".`);
        return chosen.length ? { id: qid, selections: chosen } : null;
      });
    } else {
      const area = el('textarea', { id: domId, rows: 3, required: required || undefined });
      fieldset.append(el('label', { for: domId, class: 'sr-label', text: `Answer to ${legendText}` }), area);
      if (!free) fieldset.append(el('p', { class: 'hint', text: 'This answer type is shown as free text.' }));
      getters.push(() => {
        if (required && !area.value.trim()) throw new Error(`Answer "${legendText}" first.`);
        return area.value.trim() ? { id: qid, free: area.value } : null;
      });
    }
    container.append(fieldset);
  }
  if (getters.length === 0) return freeText(container, idPrefix, 'questionform');
  return { kind: 'questionform', answer: () => answers(getters.map((g) => g()).filter(Boolean)) };
}

// A framed question's form fields as a QuestionFormAnswers document: one
// free-text answer per field (assignmentId left out), as MTurk does.
export function fieldAnswers(fields) {
  return answers(fields.filter(([k]) => k !== 'assignmentId').map(([k, v]) => ({ id: k, free: v })));
}

function answers(list) {
  const parts = list.map((a) => `<Answer><QuestionIdentifier>${xmlEscape(a.id)}</QuestionIdentifier>` +
    (a.selections ? a.selections.map((s) => `<SelectionIdentifier>${xmlEscape(s)}</SelectionIdentifier>`).join('')
      : `<FreeText>${xmlEscape(a.free)}</FreeText>`) + '</Answer>');
  return `<QuestionFormAnswers xmlns="${ANSWERS_NS}">${parts.join('')}</QuestionFormAnswers>`;
}

// The answers of a QuestionFormAnswers document as "id: text" lines (for the
// requester's review).
export function answerLines(xml) {
  const doc = new DOMParser().parseFromString(xml || '', 'application/xml');
  if (!doc.documentElement || doc.getElementsByTagName('parsererror').length) return [String(xml || '')];
  return Array.from(doc.documentElement.children).filter((a) => a.localName === 'Answer').map((a) => {
    const id = textOf(a, 'QuestionIdentifier');
    const sels = children(a, 'SelectionIdentifier').map((s) => s.textContent.trim());
    return `${id}: ${sels.length ? sels.join(', ') : textOf(a, 'FreeText')}`;
  });
}

// A QuestionForm with one free-text question (the requester page's "simple
// question").
export function simpleQuestionForm(text) {
  return '<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">' +
    `<Question><QuestionIdentifier>answer</QuestionIdentifier><DisplayName>Question</DisplayName><IsRequired>true</IsRequired>` +
    `<QuestionContent><Text>${xmlEscape(text)}</Text></QuestionContent>` +
    '<AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question></QuestionForm>';
}
