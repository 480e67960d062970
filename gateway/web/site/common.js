// Small helpers shared by the worker and requester pages. No framework: DOM
// built with createElement and textContent only (nothing from the server is
// ever parsed as HTML in the page itself).

export function $(selector, root = document) {
  return root.querySelector(selector);
}

// An element with attributes and children (strings become text nodes).
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}

// "1h 02m", "4m 05s", "12s"; "expired" at or below zero.
export function duration(ms) {
  if (ms <= 0) return 'expired';
  let s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const two = (n) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${two(m)}m`;
  if (m > 0) return `${m}m ${two(s)}s`;
  return `${s}s`;
}

// Amounts stay decimal strings ("0.50"): compared and summed in cents, as
// integers, never as floating point.
export function cents(amount) {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(amount).trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0'));
}
export function dollars(c) {
  return `$${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
}
export function money(amount) {
  const c = cents(amount);
  return c === null ? String(amount) : dollars(c);
}

// Basis points (10000 = 100 %) as "97.5 %".
export function percent(bp) {
  return `${(bp / 100).toFixed(bp % 100 === 0 ? 0 : 2)} %`;
}

// A status line: role=status regions are read out by screen readers.
export function say(node, text, kind = 'info') {
  node.textContent = text;
  node.dataset.kind = kind;
}

export function xmlEscape(s) {
  return String(s).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);
}
