// The Node.js peer of hitd's live-feed benchmark (bench/feed_load.cpp says
// the contract): a ws server on 127.0.0.1 that greets each connection with a
// hello, answers {"op":"subscribe"} with a subscribed reply, and on the line
// "publish R D T0" on its standard input sends hit.available events shaped
// like hitd's (docs/protocol.md), titled "bench <i>", HIT i due at
// CLOCK_MONOTONIC nanosecond T0 + i*1e9/R (process.hrtime is that clock).
// Each event is serialised once and sent to every subscribed client with
// ws's recommended broadcast loop; permessage-deflate is off (ws's default,
// said here anyway). Prints "ready <port>" when listening and
// "published <n> 0" when done; "quit" or the end of its input stops it.
//
//   node server.mjs

import { createInterface } from 'node:readline';
import { WebSocketServer, WebSocket } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws', perMessageDeflate: false,
                                  maxPayload: 128 * 1024, clientTracking: true });
let connections = 0;

wss.on('connection', (ws) => {
  connections += 1;
  ws.subscribed = false;
  ws.send(JSON.stringify({ type: 'hello', worker_id: 'AW' + String(connections).padStart(13, '0'),
                           connection: connections, epoch: '0000000000000000', position: 0 }));
  ws.on('message', (data, isBinary) => {
    let m;
    try { m = JSON.parse(isBinary ? '' : data.toString()); } catch { m = null; }
    if (m && m.op === 'subscribe') {
      ws.subscribed = true;
      ws.send(JSON.stringify({ id: m.id ?? null, type: 'subscribed', position: position, epoch: '0000000000000000',
                               groups: [], hit_count: 0, truncated: false }));
    } else {
      ws.send(JSON.stringify({ id: m && m.id !== undefined ? m.id : null,
                               error: { code: 'unknown_op', message: 'unknown op', temporary: false } }));
    }
  });
  ws.on('error', () => {});
});

let position = 0;
const pad = (n) => String(n).padStart(13, '0');

function event(i) {
  position += 1;
  const now = Date.now();
  return JSON.stringify({
    type: 'hit.available', position,
    hit: { hit_id: 'H' + pad(i + 1), hit_type_id: 'T' + pad(i + 1), requester_id: 'AR0000000000001',
           title: 'bench ' + i, description: 'A HIT of the live-feed benchmark', keywords: 'bench, feed',
           reward: '0.01', assignment_duration_s: 600, auto_approval_delay_s: 259200, requirements: [],
           assignments_available: 1, max_assignments: 1, expiration: now + 3600000, creation_time: now } });
}

function broadcast(data) {
  for (const c of wss.clients)
    if (c.subscribed && c.readyState === WebSocket.OPEN) c.send(data);
}

function publish(rate, seconds, t0) {
  const n = Math.round(rate * seconds);
  if (!(rate > 0) || !(seconds > 0) || n <= 0 || n > 2000000) {
    process.stdout.write('published 0 0 (bad rate or duration)\n');
    return;
  }
  let i = 0;
  const step = 1e9 / rate;
  const tick = () => {
    const now = Number(process.hrtime.bigint());
    while (i < n && t0 + i * step <= now) {
      broadcast(event(i));
      i += 1;
    }
    if (i >= n) {
      process.stdout.write(`published ${n} 0\n`);
      return;
    }
    const wait = (t0 + i * step - Number(process.hrtime.bigint())) / 1e6;
    setTimeout(tick, Math.max(0, Math.floor(wait)));
  };
  tick();
}

wss.on('listening', () => process.stdout.write(`ready ${wss.address().port}\n`));

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const [cmd, r, d, t] = line.trim().split(/\s+/);
  if (cmd === 'publish') publish(Number(r), Number(d), Number(t));
  else if (cmd === 'quit') stop();
});
rl.on('close', stop);

function stop() {
  for (const c of wss.clients) c.terminate();
  wss.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
