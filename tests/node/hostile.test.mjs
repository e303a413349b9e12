// Hostile clients against sio-signalling (issue 10, the first rows): each row runs against a fresh
// server with a bystander pair that keeps relaying to each other and a new client that connects
// afterwards; the server's RSS is read from /proc before and after. sio-signalling only: the rows
// check our limits (--max-send-buffer, the heartbeat), which the Node server has under other names.
//   non-reader  a WebSocket client that stops reading while another client relays 120 MB to it:
//               closed at --max-send-buffer with a logged reason, RSS under base + 64 MB
//   ping-flood  a WebSocket client that stops reading and sends a million WebSocket pings: closed at
//               --max-send-buffer, logged, RSS under base + 64 MB (the pongs were queued without end)
//   pong-spam   a client sending unsolicited pongs every 50 ms: the server's pings still go out on
//               schedule (they used to be pushed back by every pong, forever)
//   big-body    300 MB uploaded to a path that takes no body: 413 before it is read, RSS flat (it
//               used to be buffered whole, then answered 404)
//   attachments 20 clients each announce a binary event of 64 attachments and send 900 kB ones:
//               each is closed once its packet's attachments pass --max-payload in total,
//               logged, RSS under base + 64 MB (63 of 64 were held per client, 1.3 GB for 20)
//   abandoned   500 polling sessions that never poll again while 100 clients come and go: each
//               keeps only the latest `clients` list (every list used to be copied into every
//               queue: GBs), RSS under base + 64 MB; all dropped at the ping timeout
//   cycles      50,000 clients connect (WebSocket, joining the namespace) and leave, 20 at a time:
//               RSS after them within 2 MB of RSS after the first 1,000 (libsoup 3.2's listener
//               leaked ~340 bytes a connection; dead sessions piled up under load, each iteration
//               slower), server CPU per cycle printed
//   spike       1,000 WebSocket clients come and go, twice: the server gives freed memory back
//               (RSS falls by at least a tenth of what the crowd added; it used to stay at its
//               peak) and the second crowd leaves no more behind than the first (what stays is
//               GLib 2.74's GSlice slabs, ~1.3 MB, reused)
//   limits      started with 256 open files allowed (hard limit 4096): it raises its own to 4096;
//               its listen backlog is 511 (was GLib's 10)
//   slowloris   500 connections sending their headers a line every 500 ms and 500 that send
//               nothing: each closed by the server at --header-timeout, logged (they used to be
//               held forever); 20 that got an answer are closed by the server at once (libsoup 3.2
//               kept every keep-alive connection a client had closed); descriptors back to where
//               they were
//   clients     --max-clients=12 --max-clients-per-ip=5: a sixth client from one address and a
//               thirteenth in all are answered 503, each reason logged; a client that leaves makes
//               room for the next
//   sigterm     SIGTERM with 100 clients (WebSocket and polling): every one is told the server
//               closed (socket.io-client's "transport close", which it reconnects from at once),
//               and the server exits 0 within 2 s
//   origins     a page from a foreign origin is refused with 403 on both transports, by default and
//               with --allowed-origins (where the listed origin gets in, with CORS); pages from the
//               server itself and native clients (no Origin) get in (any Origin used to)
//   auth        --auth-token: socket.io-client without a token, or with a wrong one, gets
//               connect_error "unauthorized" (anyone could join before); with it, it joins;
//               --auth-tokens-file is read again on SIGHUP; started on 0.0.0.0 without a token,
//               the server warns that anyone can join
//   emfile      256 open files allowed, hard limit too, and 300 idle connections: accept() fails
//               (said once in the log); new clients are accepted again within 2 s of those closing
//               (libsoup's listener stopped for good at the first failed accept)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { test as nodeTest } from 'node:test';

import WebSocket from 'ws';

import { io } from 'socket.io-client';

import {
  RS, pollingSessionState, pollingSocketIo, pollingUrl, rawWebSocket, sessionUrl, websocketSocketIo,
} from './lib/raw.mjs';
import { ourServerCommand, serverKind, signallingBinary, spawnServer, startServer } from './lib/server.mjs';
import { connectClient, latestClients, nextEvent, sleep, waitForRelay, waitUntil } from './lib/wait.mjs';

// Run against the server built with ASan + UBSan (tests/node/meson.build, suite 'sanitized').
const SANITIZED = process.env.SIO_SANITIZED === '1';

// SIO_SERVER=launcher: the same table against sio-webrtc's embedded server, for the rows that need
// no server option (the launcher takes none of these; the rows run against sio-signalling).
const LAUNCHER = serverKind === 'launcher';
const NEEDS_OPTIONS = {
  'pong-spam': '--ping-interval', abandoned: '--ping-interval', slowloris: '--header-timeout',
  clients: '--max-clients', auth: '--auth-tokens-file and SIGHUP',
};
if (LAUNCHER) {
  console.log(`# against sio-webrtc's embedded server; rows that need server options are run against ` +
              `sio-signalling only: ${Object.entries(NEEDS_OPTIONS).map(([row, option]) => `${row} (${option})`).join(', ')}`);
}
const test = (title, options, body) => {
  const row = title.split(':')[0];
  if (LAUNCHER && NEEDS_OPTIONS[row]) return undefined;
  return nodeTest(LAUNCHER ? `${title} [launcher]` : title, options, body);
};
// [command, ...args] for our server with a lower open-files limit.
const withOpenFiles = (limit) => ['prlimit', [`--nofile=${limit}`, ...ourServerCommand()]];

const rssMb = (pid) => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)[1]) / 1024;
};

const descriptors = (pid) => fs.readdirSync(`/proc/${pid}/fd`).length;

// A fresh server, a bystander pair (a, b) relaying to each other; body({ server, a, b }); then the
// pair still relays and a new client connects. Everything is closed whatever happens.
const withBystanders = async (oursArgs, body) => {
  const server = await startServer({ oursArgs });
  const clients = [];
  try {
    const a = await connectClient(server.url, 'websocket');
    const b = await connectClient(server.url, 'websocket');
    clients.push(a, b);
    const before = { rss: rssMb(server.child.pid), files: descriptors(server.child.pid) };
    await body({ server, a, b, clients });
    console.log(`# server before -> after the row: RSS ${before.rss.toFixed(1)} -> ${rssMb(server.child.pid).toFixed(1)} MB, ` +
                `descriptors ${before.files} -> ${descriptors(server.child.pid)}`);
    const from = b.received.length;
    a.emit('peerIce', b.id, { candidate: 'after the row' });
    const relayed = await waitForRelay(b, 'peerIce', from);
    assert.ok(relayed.args.includes(a.id), `the bystanders still relay: ${JSON.stringify(relayed.args)}`);
    const late = await connectClient(server.url, 'websocket');
    clients.push(late);
    assert.ok(late.id, 'a new client connects after the row');
  } catch (error) {
    console.log(`# server log:\n${server.stderr().split('\n').slice(-30).join('\n').replace(/^/gm, '#   ')}`);
    throw error;
  } finally {
    for (const c of clients) c.close();
    await server.stop();
  }
};

const MESSAGE_BYTES = 200 * 1024;
const MESSAGES = 600;  // 120 MB: far more than the kernel's socket buffers hold on loopback

test('non-reader: a WebSocket client that stops reading is closed at --max-send-buffer, RSS bounded',
     { timeout: 60000 }, () => withBystanders([], async ({ server, a, b }) => {
  const base = rssMb(server.child.pid);
  const stuck = await websocketSocketIo(server.url, { ms: 30000 });
  await waitUntil(() => Object.keys(b.clientsUpdates.at(-1) ?? {}).includes(stuck.socketId), 5000,
                  'the non-reader in the clients list');
  stuck.ws._socket.pause();  // stops reading: the kernel buffers fill, then the server's queue
  const payload = { candidate: 'x'.repeat(MESSAGE_BYTES) };
  let peak = base;
  for (let i = 0; i < MESSAGES; i++) {
    a.emit('peerIce', stuck.socketId, payload);
    if (i % 50 === 49) {
      await sleep(1);  // lets socket.io-client write
      peak = Math.max(peak, rssMb(server.child.pid));
    }
  }
  await waitUntil(() => /not read.*--max-send-buffer.*closing the connection/.test(server.stderr()), 20000,
                  'the server logging why it closed the non-reader');
  await waitUntil(() => !Object.keys(b.clientsUpdates.at(-1) ?? {}).includes(stuck.socketId), 5000,
                  'the non-reader gone from the clients list');
  peak = Math.max(peak, rssMb(server.child.pid));
  const line = server.stderr().split('\n').find((l) => /not read/.test(l));
  console.log(`# ${line}`);
  console.log(`# server RSS: ${base.toFixed(1)} MB before, peak ${peak.toFixed(1)} MB while ` +
              `${(MESSAGES * MESSAGE_BYTES / 1048576).toFixed(0)} MB were sent to the non-reader`);
  assert.ok(peak < base + 64, `server RSS grew from ${base.toFixed(1)} to ${peak.toFixed(1)} MB`);
  stuck.close();
}));

const PINGS = 1000000;

test('ping-flood: a client sending WebSocket pings it never reads the answers to is closed at --max-send-buffer',
     { timeout: 60000 }, () => withBystanders([], async ({ server }) => {
  const base = rssMb(server.child.pid);
  const flooder = await websocketSocketIo(server.url, { ms: 30000 });
  flooder.ws._socket.pause();  // the pongs pile up in the kernel, then in the server
  const payload = Buffer.alloc(125, 1);  // the largest control frame
  let sent = 0;
  let peak = base;
  const closedByServer = () => /not read.*--max-send-buffer.*closing the connection/.test(server.stderr());
  while (sent < PINGS && flooder.ws.readyState === WebSocket.OPEN && !closedByServer()) {
    for (let i = 0; i < 1000; i++) flooder.ws.ping(payload);
    sent += 1000;
    // Waits for the batch to be written, so the loop does not outrun the socket.
    await new Promise((resolve) => flooder.ws._socket.write('', resolve));
    if (sent % 50000 === 0) peak = Math.max(peak, rssMb(server.child.pid));
  }
  await waitUntil(closedByServer, 20000, 'the server logging why it closed the flooder');
  peak = Math.max(peak, rssMb(server.child.pid));
  console.log(`# ${server.stderr().split('\n').find((l) => /not read/.test(l))}`);
  console.log(`# ${sent} pings of 125 bytes sent before the close was seen; server RSS ${base.toFixed(1)} MB before, ` +
              `peak ${peak.toFixed(1)} MB`);
  assert.ok(peak < base + 64, `server RSS grew from ${base.toFixed(1)} to ${peak.toFixed(1)} MB`);
  flooder.close();
}));

test('pong-spam: unsolicited pongs do not hold back the server\'s pings', { timeout: 30000 }, () =>
  withBystanders(['--ping-interval=300', '--ping-timeout=200'], async ({ server }) => {
    const spam = await websocketSocketIo(server.url, { ms: 10000 });
    const timer = setInterval(() => spam.ws.send('3'), 50);
    try {
      const started = Date.now();
      await waitUntil(() => spam.messages.filter((m) => m === '2').length >= 4, 5000, '4 pings despite the pongs');
      console.log(`# 4 pings in ${Date.now() - started} ms (interval 300 ms) while a pong went up every 50 ms`);
    } finally {
      clearInterval(timer);
      spam.close();
    }
  }));

// Streams up to `bytes` of zeros (chunked) to `url` until the server answers; resolves its status.
const upload = (url, bytes) => new Promise((resolve, reject) => {
  const request = http.request(url, { method: 'PUT' }, (response) => {
    response.resume();
    resolve(response.statusCode);
  });
  request.on('error', (error) => {
    if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
  });
  const chunk = Buffer.alloc(1 << 20);
  let sent = 0;
  const pump = () => {
    while (sent < bytes && !request.destroyed) {
      sent += chunk.length;
      if (!request.write(chunk)) {
        request.once('drain', pump);
        return;
      }
    }
    if (!request.destroyed) request.end();
  };
  pump();
  setTimeout(() => reject(new Error(`no answer after ${sent} bytes in 20 s`)), 20000).unref();
});

test('big-body: 300 MB to a path that takes no body is refused before it is read', { timeout: 60000 }, () =>
  withBystanders([], async ({ server }) => {
    const base = rssMb(server.child.pid);
    const status = await upload(`${server.url}/x`, 300 * 1048576);
    const after = rssMb(server.child.pid);
    console.log(`# PUT of 300 MB to /x: ${status}; server RSS ${base.toFixed(1)} -> ${after.toFixed(1)} MB`);
    assert.equal(status, 413);
    assert.ok(after < base + 16, `server RSS grew from ${base.toFixed(1)} to ${after.toFixed(1)} MB`);
    assert.match(server.stderr(), /PUT \/x with a request body: this path takes none; refused \(413\)/);
  }));

const HOARDERS = 20;
const ATTACHMENT_BYTES = 900 * 1000;  // each under the 1 MB message limit

test('attachments: a binary packet\'s attachments are bounded in total, not only each one', { timeout: 60000 }, () =>
  withBystanders([], async ({ server }) => {
    const base = rssMb(server.child.pid);
    const placeholders = Array.from({ length: 64 }, (_, num) => ({ _placeholder: true, num }));
    const attachment = Buffer.alloc(ATTACHMENT_BYTES, 7);
    const sent = [];
    let peak = base;
    for (let i = 0; i < HOARDERS; i++) {
      const hoarder = await websocketSocketIo(server.url, { ms: 20000 });
      hoarder.ws.send(`4564-${JSON.stringify(['hoard', ...placeholders])}`);
      let count = 0;
      // Up to 63 of the 64: an unbounded server holds them all, waiting for the last.
      while (count < 63 && hoarder.ws.readyState === WebSocket.OPEN) {
        await new Promise((resolve) => hoarder.ws.send(attachment, { binary: true }, resolve));
        count++;
        if (count % 8 === 0) peak = Math.max(peak, rssMb(server.child.pid));
      }
      const closed = await hoarder.closed;
      sent.push(count);
      assert.notEqual(closed.code, 'timeout', `hoarder ${i} still open after ${count} attachments`);
      peak = Math.max(peak, rssMb(server.child.pid));
    }
    const reasons = server.stderr().split('\n').filter((l) => /attachments over \d+ bytes in total/.test(l));
    console.log(`# ${reasons[0]}`);
    const at = [...new Set(reasons.map((l) => /at attachment (\d+)/.exec(l)[1]))].join(', ');
    console.log(`# ${HOARDERS} hoarders wrote ${Math.min(...sent)}-${Math.max(...sent)} attachments of ` +
                `${ATTACHMENT_BYTES / 1000} kB each before seeing the close; the server closed them at attachment ` +
                `${at}; RSS ${base.toFixed(1)} MB before, peak ${peak.toFixed(1)} MB`);
    assert.equal(reasons.length, HOARDERS, 'one logged reason per hoarder');
    assert.ok(peak < base + 64, `server RSS grew from ${base.toFixed(1)} to ${peak.toFixed(1)} MB`);
  }));

const ABANDONED = 500;
const CHURN = 100;
const PING_INTERVAL_MS = 8000;
const PING_TIMEOUT_MS = 3000;

test('abandoned: polling sessions nobody polls hold one clients list each and go at the ping timeout',
     { timeout: 90000 }, () =>
  withBystanders([`--ping-interval=${PING_INTERVAL_MS}`, `--ping-timeout=${PING_TIMEOUT_MS}`],
                 async ({ server, b, clients }) => {
    const base = rssMb(server.child.pid);
    const listed = () => new Set(Object.keys(latestClients(b) ?? {}));
    // Each joins (handshake, CONNECT, one poll for the answer) and never polls again.
    const abandoned = [];
    const started = Date.now();
    for (let i = 0; i < ABANDONED; i += 50) {
      abandoned.push(...await Promise.all(Array.from({ length: 50 }, () => pollingSocketIo(server.url))));
    }
    const joined = Date.now();
    // Every one of these changes the clients list the abandoned sessions are sent. Until 2 s before
    // the first abandoned session's end (on a busy machine 100 take longer than the sessions live;
    // the presence check below must come before that end).
    let peak = base;
    const churnUntil = started + PING_INTERVAL_MS + PING_TIMEOUT_MS - 2000;
    let churn = 0;
    for (let i = 0; i < CHURN && Date.now() < churnUntil; i++, churn++) {
      const c = io(server.url, { transports: ['websocket'], forceNew: true, reconnection: false });
      clients.push(c);
      await nextEvent(c, 'connect', 5000, `churn client ${i} connect`);
      c.close();
      if (i % 10 === 9) peak = Math.max(peak, rssMb(server.child.pid));
    }
    const churned = Date.now();
    assert.ok(churn >= 10, `only ${churn} churn clients came and went before the sessions' end`);
    assert.ok(peak < base + 64, `server RSS grew from ${base.toFixed(1)} to ${peak.toFixed(1)} MB during the churn`);
    const present = abandoned.filter((s) => listed().has(s.socketId)).length;
    assert.equal(present, ABANDONED, `abandoned sessions still listed when the churn ended (${churned - started} ms ` +
                 `after the first joined; they live ${PING_INTERVAL_MS + PING_TIMEOUT_MS} ms)`);
    await waitUntil(() => abandoned.every((s) => !listed().has(s.socketId)),
                    PING_INTERVAL_MS + PING_TIMEOUT_MS + 5000, 'every abandoned session dropped');
    const gone = Date.now();
    peak = Math.max(peak, rssMb(server.child.pid));
    const state = await pollingSessionState(server.url, abandoned.at(-1).sid);
    console.log(`# ${ABANDONED} abandoned polling sessions joined in ${joined - started} ms; ${churn} clients came and ` +
                `went in ${churned - joined} ms; all dropped ${gone - joined} ms after the last joined (ping ` +
                `interval + timeout ${PING_INTERVAL_MS + PING_TIMEOUT_MS} ms); server RSS ${base.toFixed(1)} MB before, ` +
                `peak ${peak.toFixed(1)} MB`);
    assert.equal(state.state, 'gone', `a dropped session's sid: ${JSON.stringify(state.detail)}`);
    assert.ok(gone - started <= PING_INTERVAL_MS + PING_TIMEOUT_MS + 3000 + (joined - started),
              'dropped at the ping timeout');
    assert.ok(peak < base + 64, `server RSS grew from ${base.toFixed(1)} to ${peak.toFixed(1)} MB`);
  }));

// 50,000: a leak of 43 bytes a connection passes the 2 MB bound (libsoup's was 340; 100,000 took
// 19 s of a CI run close to its budget). The sanitized build is there to find memory errors on
// the way, and is slower: fewer cycles. The launcher embeds the same server library, whose 50,000
// run is sio-signalling's: 10,000 there.
const CYCLES = SANITIZED || LAUNCHER ? 10000 : 50000;
const WARM_UP = 1000;
const CYCLE_CONCURRENCY = 20;

// Server CPU seconds (user + system) from /proc.
const cpuSeconds = (pid) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;  // clock ticks (USER_HZ, 100 on Linux)
};

// One client's whole life on a raw socket: WebSocket upgrade, Engine.IO open, Socket.IO CONNECT
// to "/", its answer, then the socket destroyed (as a closed tab).
const UPGRADE = 'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n' +
                'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const CONNECT_FRAME = Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x34, 0x30]);  // masked (zero key) text "40"
const clientLife = (port) => new Promise((resolve, reject) => {
  const socket = net.connect(port, '127.0.0.1');
  let seen = '';
  let joined = false;
  const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no CONNECT answer: ${JSON.stringify(seen)}`)); }, 5000);
  socket.on('error', (error) => { clearTimeout(timer); reject(error); });
  socket.on('data', (data) => {
    seen += data.toString('latin1');
    if (!joined && seen.includes('0{')) {
      joined = true;
      socket.write(CONNECT_FRAME);
    }
    if (joined && seen.includes('40{')) {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    }
  });
  socket.write(UPGRADE);
});

test(`cycles: ${CYCLES.toLocaleString('en')} clients come and go, memory stays where it was after the first 1,000`, { timeout: 180000 }, () =>
  withBystanders([], async ({ server }) => {
    const pid = server.child.pid;
    let started = 0;
    let finished = 0;
    let warm = null;
    const worker = async () => {
      while (started < CYCLES) {
        started++;
        await clientLife(server.port);
        finished++;
        if (finished === WARM_UP) {
          warm = { rss: rssMb(pid), cpu: cpuSeconds(pid), files: descriptors(pid) };
        }
      }
    };
    const began = Date.now();
    await Promise.all(Array.from({ length: CYCLE_CONCURRENCY }, worker));
    const ended = Date.now();
    // The last connections close on the server just after their sockets did.
    await waitUntil(() => descriptors(pid) <= warm.files, 5000, 'descriptors back');
    const end = { rss: rssMb(pid), cpu: cpuSeconds(pid) };
    const cycles = CYCLES - WARM_UP;
    console.log(`# ${CYCLES} clients came and went in ${((ended - began) / 1000).toFixed(1)} s; server RSS ` +
                `${warm.rss.toFixed(1)} MB after ${WARM_UP}, ${end.rss.toFixed(1)} MB after ${CYCLES} ` +
                `(${(((end.rss - warm.rss) * 1048576) / cycles).toFixed(1)} bytes a client); server CPU ` +
                `${(((end.cpu - warm.cpu) * 1e6) / cycles).toFixed(0)} us a client`);
    assert.ok(end.rss - warm.rss <= 2, `server RSS grew from ${warm.rss.toFixed(1)} to ${end.rss.toFixed(1)} MB`);
  }));

test('limits: the open-files limit raised to the hard one, listen backlog 511', { timeout: 30000 }, async () => {
  const server = await spawnServer(...withOpenFiles('256:4096'));
  try {
    const limits = fs.readFileSync(`/proc/${server.child.pid}/limits`, 'utf8');
    const [, soft, hard] = /^Max open files\s+(\d+)\s+(\d+)/m.exec(limits);
    const listening = execFileSync('ss', ['-ltnH', `sport = :${server.port}`], { encoding: 'utf8' }).trim();
    console.log(`# open files ${soft}/${hard}; ss: ${listening.replace(/\s+/g, ' ')}`);
    assert.equal(Number(soft), 4096, 'the soft limit was not raised to the hard one');
    assert.equal(Number(listening.split(/\s+/)[2]), 511, 'listen backlog (ss Send-Q)');
  } finally {
    await server.stop();
  }
});

test('spike: memory goes back to the system after a crowd of 1,000 clients leaves', { timeout: 90000 }, () =>
  withBystanders([], async ({ server, clients }) => {
    const base = rssMb(server.child.pid);
    const rows = [];
    // What stays after a crowd: GObjects come from GSlice in GLib 2.74, whose slabs are kept for
    // reuse (measured with malloc_stats: 1.3 MB of the 4.7 MB in use at the peak; with
    // G_SLICE=always-malloc the fall is 3.3 of 5.3 MB). So the fall is asked to be a tenth, which
    // a server that keeps its peak (no malloc_trim) does not reach, and the second crowd must not
    // leave more behind than the first (the slabs are reused, not added to).
    // Under ASan (RSS only printed) one crowd says all there is to say.
    for (let crowd = 0; crowd < (SANITIZED ? 1 : 2); crowd++) {
      // Plain clients (connectClient records every `clients` map: 1,000 x 1,000 of them).
      const sockets = [];
      for (let i = 0; i < 1000; i++) {
        const c = io(server.url, { transports: ['websocket'], forceNew: true, reconnection: false });
        sockets.push(c);
        clients.push(c);
        if (i % 100 === 99) {
          await waitUntil(() => sockets.every((s) => s.connected), 30000, `${i + 1} clients connected`);
        }
      }
      const peak = rssMb(server.child.pid);
      for (const c of sockets) c.close();
      const growth = peak - base;
      const enough = crowd === 0 ? peak - growth / 10 : Math.min(peak - growth / 10, rows[0].after + growth / 10);
      let after = peak;
      try {
        if (SANITIZED) {
          // ASan has its own allocator, which malloc_trim does not reach: the crowd is served and
          // leaves (the bystanders and a new client are checked after the row), RSS only printed.
          await waitUntil(() => sockets.every((c) => !c.connected), 10000, 'the crowd gone');
          after = rssMb(server.child.pid);
        } else {
          await waitUntil(() => (after = rssMb(server.child.pid)) < enough, 10000,
                          `server RSS under ${enough.toFixed(1)} MB after crowd ${crowd + 1}`);
        }
      } finally {
        rows.push({ peak, after });
        console.log(`# server RSS: ${base.toFixed(1)} MB, ${peak.toFixed(1)} MB with crowd ${crowd + 1} of 1,000 ` +
                    `clients, ${after.toFixed(1)} MB after they left`);
      }
    }
  }));


test('emfile: accepting again once descriptors free up after accept() failed', { timeout: 60000 }, async () => {
  const server = await spawnServer(...withOpenFiles('256:256'));
  const clients = [];
  const idle = [];
  try {
    const a = await connectClient(server.url, 'websocket');
    const b = await connectClient(server.url, 'websocket');
    clients.push(a, b);
    for (let i = 0; i < 300; i++) {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      idle.push(socket);
    }
    await waitUntil(() => /accept/i.test(server.stderr()) && /open files/i.test(server.stderr()), 10000,
                    'the server saying it cannot accept (too many open files)');
    console.log(`# ${server.stderr().split('\n').find((l) => /open files/i.test(l))}`);
    console.log(`# ${descriptors(server.child.pid)} descriptors open in the server with 300 idle connections`);
    // The bystanders still relay while the server is out of descriptors.
    let from = b.received.length;
    a.emit('peerIce', b.id, { candidate: 'while full' });
    await waitForRelay(b, 'peerIce', from);
    for (const socket of idle) socket.destroy();
    const closed = Date.now();
    const late = await connectClient(server.url, 'websocket', { timeout: 10000 });
    clients.push(late);
    const took = Date.now() - closed;
    console.log(`# a new client connected ${took} ms after the 300 idle connections closed`);
    assert.ok(took < 2000, `a new client waited ${took} ms`);
    await waitUntil(() => /accepting connections again \(/.test(server.stderr()), 5000, 'the server saying it accepts again');
    console.log(`# ${server.stderr().split('\n').find((l) => /accepting connections again \(/.test(l))}`);
    from = b.received.length;
    a.emit('peerIce', b.id, { candidate: 'after' });
    await waitForRelay(b, 'peerIce', from);
    assert.equal((server.stderr().match(/open files/gi) ?? []).length, 1, 'the failure is said once');
  } catch (error) {
    console.log(`# server log:\n${server.stderr().split('\n').slice(-30).join('\n').replace(/^/gm, '#   ')}`);
    throw error;
  } finally {
    for (const socket of idle) socket.destroy();
    for (const c of clients) c.close();
    await server.stop();
  }
});

// Resolves when `socket` is closed by the other side, with the time it took since `since`.
const closedBy = (socket, since) => new Promise((resolve) => socket.once('close', () => resolve(Date.now() - since)));

test('slowloris: slow and idle connections are closed at --header-timeout, answered ones at once', { timeout: 60000 },
     () => withBystanders(['--header-timeout=2000'], async ({ server }) => {
  const pid = server.child.pid;
  const before = descriptors(pid);
  const started = Date.now();
  const sockets = [];
  const closes = [];
  const open = (onConnect) => {
    const socket = net.connect(server.port, '127.0.0.1', () => onConnect(socket));
    socket.on('error', () => {});
    sockets.push(socket);
    closes.push(closedBy(socket, started));
    return socket;
  };
  const drips = [];
  try {
    for (let i = 0; i < 500; i++) {
      open((socket) => {
        socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
        drips.push(setInterval(() => socket.writable && socket.write(`X-Drip-${i}: a\r\n`), 500));
      });
    }
    for (let i = 0; i < 500; i++) open(() => {});
    // HTTP/1.1 (keep-alive by default): one complete request, answered, then nothing.
    const answered = [];
    for (let i = 0; i < 20; i++) {
      answered.push(new Promise((resolve) => {
        const socket = open((s) => s.write('GET /socket.io/socket.io.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
        socket.once('data', () => resolve(Date.now()));
      }));
    }
    const answeredAt = await Promise.all(answered);
    const took = await Promise.all(closes);
    const slow = took.slice(0, 1000);
    const kept = took.slice(1000).map((t, i) => t - (answeredAt[i] - started));
    console.log(`# 1,000 slow/idle connections closed after ${Math.min(...slow)}-${Math.max(...slow)} ms ` +
                `(header timeout 2000 ms); 20 answered ones ${Math.min(...kept)}-${Math.max(...kept)} ms after ` +
                'their answer began');
    assert.ok(Math.min(...slow) >= 1900 && Math.max(...slow) < 6000, `slow connections closed after ${slow}`);
    assert.ok(Math.max(...kept) < 1000, `answered connections closed after ${kept} ms`);
    await waitUntil(() => descriptors(pid) <= before + 2, 5000, `the server's descriptors back to ${before}`);
    const log = server.stderr();
    assert.match(log, /closing a connection from 127\.0\.0\.1:\d+: no complete request head within 2000 ms \(--header-timeout\)/);
  } finally {
    for (const drip of drips) clearInterval(drip);
    for (const socket of sockets) socket.destroy();
  }
}));

// A plain HTTP request from `localAddress` (any 127.x.y.z reaches a server on 127.0.0.1).
const requestFrom = (localAddress, url, { method = 'GET', body } = {}) => new Promise((resolve, reject) => {
  const request = http.request(url, { method, localAddress, agent: false }, (response) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk) => { text += chunk; });
    response.on('end', () => resolve({ status: response.statusCode, body: text }));
  });
  request.on('error', reject);
  request.setTimeout(5000, () => request.destroy(new Error(`no answer from ${url} in 5 s`)));
  request.end(body);
});

// An Engine.IO polling handshake from `localAddress`: the sid, or the refusal's status.
const handshakeFrom = async (localAddress, base) => {
  const answer = await requestFrom(localAddress, pollingUrl(base));
  return answer.status === 200 ? { sid: JSON.parse(answer.body.slice(1)).sid } : { status: answer.status };
};

test('clients: --max-clients and --max-clients-per-ip refuse new clients with 503, logged', { timeout: 30000 },
     () => withBystanders(['--max-clients=12', '--max-clients-per-ip=5'], async ({ server }) => {
  // a and b (the bystanders) are two clients from 127.0.0.1.
  const sessions = [];
  for (let i = 0; i < 3; i++) sessions.push({ from: '127.0.0.1', ...(await handshakeFrom('127.0.0.1', server.url)) });
  assert.ok(sessions.every((s) => s.sid), `5 clients from 127.0.0.1 are taken: ${JSON.stringify(sessions)}`);
  const sixth = await handshakeFrom('127.0.0.1', server.url);
  assert.equal(sixth.status, 503, 'a sixth client from 127.0.0.1');
  for (let i = 0; i < 5; i++) sessions.push({ from: '127.0.0.2', ...(await handshakeFrom('127.0.0.2', server.url)) });
  for (let i = 0; i < 2; i++) sessions.push({ from: '127.0.0.3', ...(await handshakeFrom('127.0.0.3', server.url)) });
  assert.ok(sessions.every((s) => s.sid), `12 clients in all are taken: ${JSON.stringify(sessions)}`);
  const thirteenth = await handshakeFrom('127.0.0.4', server.url);
  assert.equal(thirteenth.status, 503, 'a thirteenth client');
  await waitUntil(() => /--max-clients-per-ip reached/.test(server.stderr()) && /--max-clients reached/.test(server.stderr()),
                  5000, 'both refusals logged');
  for (const line of server.stderr().split('\n').filter((l) => /refusing a new client/.test(l))) console.log(`# ${line}`);
  // One from 127.0.0.2 leaves (an Engine.IO close packet): a client from 127.0.0.4 gets in.
  const leaving = sessions.find((s) => s.from === '127.0.0.2');
  await requestFrom('127.0.0.2', sessionUrl(server.url, leaving.sid), { method: 'POST', body: '1' });
  await waitUntil(async () => (await handshakeFrom('127.0.0.4', server.url)).sid, 5000, 'room for a new client');
  // The three extra from 127.0.0.1 leave, so that the row's late client (from there) gets in.
  for (const s of sessions.filter((x) => x.from === '127.0.0.1')) {
    await requestFrom('127.0.0.1', sessionUrl(server.url, s.sid), { method: 'POST', body: '1' });
  }
  await waitUntil(async () => {
    const probe = await handshakeFrom('127.0.0.1', server.url);
    if (probe.sid) await requestFrom('127.0.0.1', sessionUrl(server.url, probe.sid), { method: 'POST', body: '1' });
    return probe.sid;
  }, 5000, '127.0.0.1 under its limit again');
}));

test('sigterm: every client is told, the server exits 0 within 2 s', { timeout: 30000 }, async () => {
  const server = await startServer({});
  const clients = [];
  try {
    for (let i = 0; i < 100; i++) {
      clients.push(await connectClient(server.url, i % 2 ? 'websocket' : 'polling'));
    }
    const reasons = clients.map((c) => new Promise((resolve) => c.once('disconnect', (reason) => resolve(reason))));
    const sent = Date.now();
    server.child.kill('SIGTERM');
    const exit = await Promise.race([server.exited, sleep(5000).then(() => null)]);
    const took = Date.now() - sent;
    const told = await Promise.race([Promise.all(reasons), sleep(3000).then(() => null)]);
    const counts = {};
    for (const reason of told ?? []) counts[reason] = (counts[reason] ?? 0) + 1;
    console.log(`# exit ${JSON.stringify(exit)} ${took} ms after SIGTERM; the clients' disconnect reasons: ` +
                `${JSON.stringify(counts)}`);
    assert.deepEqual(exit, { code: 0, signal: null }, 'exit status');
    assert.ok(took < 2000, `exited ${took} ms after SIGTERM`);
    assert.ok(told, 'every client saw a disconnect');
    assert.deepEqual(counts, { 'transport close': 100 }, 'every client was told the server closed');
  } finally {
    for (const c of clients) c.close();
    await server.stop();
  }
});

// What a page at `origin` gets: the polling handshake's status (and CORS header) and the
// WebSocket's (101 when it opens).
const asPageFrom = async (base, origin) => {
  const headers = origin ? { Origin: origin } : {};
  const polled = await fetch(pollingUrl(base), { headers });
  await polled.text();
  const websocket = await new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { headers });
    ws.once('open', () => { ws.close(); resolve(101); });
    ws.once('unexpected-response', (request, response) => { request.destroy(); resolve(response.statusCode); });
    ws.once('error', () => resolve('error'));
  });
  return { polling: polled.status, cors: polled.headers.get('access-control-allow-origin'), websocket };
};

test('origins: foreign pages are refused (403) on both transports, listed and own pages get in', { timeout: 30000 },
     async () => {
  for (const [args, rows] of [
    [[], [
      [undefined, 200, null], ['http://evil.example', 403, null], ['http://localhost:8080', 200, null],
      ['null', 403, null]]],
    [['--allowed-origins=https://cam.example, http://10.0.0.2:8080'], [
      ['https://cam.example', 200, 'https://cam.example'], ['http://10.0.0.2:8080', 200, 'http://10.0.0.2:8080'],
      ['http://10.0.0.2:8081', 403, null], ['http://evil.example', 403, null], [undefined, 200, null]]],
  ].filter(([args]) => !LAUNCHER || args.length === 0)) {  // the launcher has the default policy only
    await withBystanders(args, async ({ server }) => {
      const own = server.url;  // a page the server served itself
      for (const [origin, status, cors] of [[own, 200, null], ...rows]) {
        const got = await asPageFrom(server.url, origin);
        console.log(`# ${args.join(' ') || '(default)'} Origin ${origin ?? '(none)'}: polling ${got.polling}` +
                    `${got.cors ? ` CORS ${got.cors}` : ''}, WebSocket ${got.websocket}`);
        assert.equal(got.polling, status, `polling handshake with Origin ${origin}`);
        assert.equal(got.websocket, status === 200 ? 101 : 403, `WebSocket with Origin ${origin}`);
        assert.equal(got.cors, cors, `CORS header for Origin ${origin}`);
      }
      assert.match(server.stderr(), /refusing a (WebSocket|request) from a page at \S+: not an allowed origin/);
    });
  }
});

// connect_error's message, or 'connected', for a socket.io-client with `auth`.
const joinWith = async (url, auth) => {
  const socket = io(url, { forceNew: true, reconnection: false, transports: ['websocket'], auth });
  try {
    return await new Promise((resolve, reject) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (error) => resolve(error.message));
      setTimeout(() => reject(new Error('neither connect nor connect_error in 5 s')), 5000);
    });
  } finally {
    socket.close();
  }
};

test('auth: clients without a known token get "unauthorized"; the tokens file is read again on SIGHUP',
     { timeout: 30000 }, async () => {
  const dir = fs.mkdtempSync('/tmp/sio-auth-');
  const file = `${dir}/tokens`;
  fs.writeFileSync(file, '# cameras\nfile-token-1\n\n');
  try {
    // The bystanders (no token) cannot join this server: it is started bare.
    const server = await startServer({ oursArgs: ['--auth-token=s3cret', `--auth-tokens-file=${file}`] });
    try {
      const rows = [[undefined, 'unauthorized'], [{}, 'unauthorized'], [{ token: 'wrong' }, 'unauthorized'],
        [{ token: 's3cre' }, 'unauthorized'], [{ token: 42 }, 'unauthorized'], [{ token: 's3cret' }, 'connected'],
        [{ token: 'file-token-1' }, 'connected'], [{ token: 'file-token-2' }, 'unauthorized']];
      for (const [auth, expected] of rows) {
        const got = await joinWith(server.url, auth);
        console.log(`# auth ${JSON.stringify(auth)}: ${got}`);
        assert.equal(got, expected, `auth ${JSON.stringify(auth)}`);
      }
      fs.writeFileSync(file, 'file-token-2\n');
      server.child.kill('SIGHUP');
      await waitUntil(() => /auth tokens read again/.test(server.stderr()), 5000, 'the server reading the file again');
      assert.equal(await joinWith(server.url, { token: 'file-token-2' }), 'connected', 'the new token after SIGHUP');
      assert.equal(await joinWith(server.url, { token: 'file-token-1' }), 'unauthorized', 'the old one after SIGHUP');
      assert.equal(await joinWith(server.url, { token: 's3cret' }), 'connected', 'the command line\'s still');
      assert.match(server.stderr(), /CONNECT without a token.*refused \(unauthorized\)/);
      // The chapter's exchange still works between two clients with the token.
      const a = await connectClient(server.url, 'websocket', { auth: { token: 's3cret' } });
      const b = await connectClient(server.url, 'websocket', { auth: { token: 'file-token-2' } });
      try {
        a.emit('peerIce', b.id, { candidate: 'x' });
        await waitForRelay(b, 'peerIce', 0);
      } finally {
        a.close();
        b.close();
      }
    } finally {
      await server.stop();
    }
    const open = await spawnServer(signallingBinary(), ['--host', '0.0.0.0', '--port', '0']);
    try {
      await waitUntil(() => /without --auth-token: anyone who can reach this address can join/.test(open.stderr()),
                      5000, 'the warning about an open server on 0.0.0.0');
    } finally {
      await open.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
