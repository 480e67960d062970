// AWS Signature Version 4 in the browser (WebCrypto), for MTurk's requester
// API at POST / of this server: the same canonical request the server checks
// (gateway/mturk/src/sigv4.cpp): signed headers content-type, host,
// x-amz-date and x-amz-target; scope <date>/us-east-1/mturk-requester.

const enc = new TextEncoder();

function hex(buf) {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}
async function sha256(text) {
  return hex(await crypto.subtle.digest('SHA-256', enc.encode(text)));
}
async function hmac(key, text) {
  const k = await crypto.subtle.importKey('raw', typeof key === 'string' ? enc.encode(key) : key,
    { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return crypto.subtle.sign('HMAC', k, enc.encode(text));
}

// "20260101T120000Z"
export function amzDate(d = new Date()) {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

// The headers to send with `body` to POST / on `host`: Content-Type,
// X-Amz-Target, X-Amz-Date and Authorization.
export async function signedHeaders({ accessKeyId, secretAccessKey, host, target, body, now = new Date(),
  region = 'us-east-1', service = 'mturk-requester' }) {
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    host,
    'x-amz-date': date,
    'x-amz-target': target,
  };
  const names = Object.keys(headers).sort();
  const canonical = ['POST', '/', '',
    ...names.map((n) => `${n}:${headers[n]}`), '',
    names.join(';'), await sha256(body)].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, await sha256(canonical)].join('\n');
  let key = await hmac(`AWS4${secretAccessKey}`, day);
  key = await hmac(key, region);
  key = await hmac(key, service);
  key = await hmac(key, 'aws4_request');
  const signature = hex(await hmac(key, toSign));
  return {
    'Content-Type': headers['content-type'],
    'X-Amz-Target': target,
    'X-Amz-Date': date,
    Authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}
