// A HIT's Question, shown to the worker, and the answer built from what the
// worker entered (a QuestionFormAnswers document, as MTurk's workers send).
//
// - QuestionForm: rendered as a form (FreeTextAnswer: a text area;
//   SelectionAnswer: radio buttons, or check boxes when more than one may be
//   chosen). Text only: FormattedContent and binary content show as text.
// - HTMLQuestion: its HTML in a sandboxed iframe (no scripts, no same
//   origin: it cannot reach this page or the worker's token), with one
//   free-text answer field below it.
// - ExternalQuestion: its ExternalURL in a sandboxed iframe (scripts and
//   forms allowed, but not this origin), with one free-text answer field.

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

// Renders `xml` into `container`; returns { kind, answer() } where answer()
// gives the QuestionFormAnswers XML, or throws an Error naming what is
// missing.
export function renderQuestion(xml, container, idPrefix = 'q') {
  container.replaceChildren();
  const doc = new DOMParser().parseFromString(xml || '', 'application/xml');
  const root = doc.documentElement;
  if (!root || root.localName === 'parsererror' || doc.getElementsByTagName('parsererror').length) {
    container.append(el('p', { class: 'error', text: 'This HIT\'s question could not be read.' }));
    return freeText(container, idPrefix, 'unreadable');
  }
  if (root.localName === 'QuestionForm') return questionForm(root, container, idPrefix);
  if (root.localName === 'HTMLQuestion') {
    const frame = el('iframe', { class: 'task-frame', title: 'The HIT\'s question (HTML)', sandbox: '', referrerpolicy: 'no-referrer' });
    frame.srcdoc = textOf(root, 'HTMLContent');
    container.append(frame);
    return freeText(container, idPrefix, 'html');
  }
  if (root.localName === 'ExternalQuestion') {
    const url = textOf(root, 'ExternalURL');
    if (/^https?:\/\//i.test(url)) {
      container.append(el('iframe', { class: 'task-frame', title: 'The HIT\'s question (external page)', src: url,
        sandbox: 'allow-scripts allow-forms', referrerpolicy: 'no-referrer' }));
      container.append(el('p', {}, 'External page: ', el('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text: url })));
    } else {
      container.append(el('p', { class: 'error', text: 'The external question has no http(s) address.' }));
    }
    return freeText(container, idPrefix, 'external');
  }
  container.append(el('p', { class: 'error', text: `Unknown question type: ${root.localName}` }));
  return freeText(container, idPrefix, 'unknown');
}

// One free-text answer (identifier "answer").
function freeText(container, idPrefix, kind) {
  const id = `${idPrefix}-answer`;
  const area = el('textarea', { id, name: 'answer', rows: 4, required: true });
  container.append(el('div', { class: 'field' }, el('label', { for: id, text: 'Your answer' }), area));
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
