// Bad input, table-driven: each row sends one kind of malformed or hostile input over raw
// HTTP (fetch) or a raw WebSocket (`ws`) and checks the protocol's answer. After EVERY row two
// socket.io-clients that connected before the table still relay to each other and a new client
// can still connect: nothing else breaks. Expectations were checked against the Node server
// (SIO_SERVER=node); where the two legitimately differ the row says so (`node:` override).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  RS, pollingHandshake, pollingSessionState, pollingSocketIo, pollingUrl, post, poll, rawWebSocket,
  request, websocketSocketIo,
} from './lib/raw.mjs';
import { isOurs, serverKind, startServer } from './lib/server.mjs';
import { connectClient, sleep, waitForRelay, waitUntil } from './lib/wait.mjs';

const MAX_PAYLOAD = 1000000;  // both servers' default (socket.io's maxHttpBufferSize)
const eioError = (code, message) => ({ status: 400, json: { code, message } });
const INVALID_UTF8 = Buffer.from([0xff, 0xfe, 0xc3, 0x28]);  // never valid in UTF-8

// A reason for a connection the server closed, in its log: sio-signalling logs one WARN line
// "<what was wrong>; closing it" per closed connection. Rows may ask for a more specific reason.
const LOGGED_CLOSE = /^sio-signalling (WARN|ERROR) .*(clos|refus|reject)/im;

// Row kinds:
//   http:     one request; expect the HTTP status and, for Engine.IO errors, the JSON body.
//   polling:  a Socket.IO session over long-polling, then a POST of `body`; expect the session
//             `closed` (next GET: 400 code 1) or still `open` (it still relays to a peer).
//   ws:       a Socket.IO session over WebSocket, then `frames`; expect `closed` (optional close
//             `code`) or an answer frame and the connection still usable.
//   upgrade:  a WebSocket handshake with `query`; expect it refused (HTTP 400 on ours; no
//             Engine.IO open packet on either).
// `closes`: the server must close a connection, and (ours) log why (`logs`: what the reason says).
const ROWS = [
  // Engine.IO packet types are 0-6.
  { name: 'unknown Engine.IO packet type, polling POST', kind: 'polling', body: '9abc', expect: 'closed', closes: true },
  { name: 'unknown Engine.IO packet type, websocket frame', kind: 'ws', frames: ['9abc'], expect: 'closed', closes: true },
  { name: 'empty polling POST body', kind: 'polling', body: '', expect: 'closed', closes: true },
  // Socket.IO packet types are 0-6.
  { name: 'unknown Socket.IO packet type, polling', kind: 'polling', body: '49["peerOffer"]', expect: 'closed', closes: true },
  { name: 'unknown Socket.IO packet type, websocket', kind: 'ws', frames: ['49["peerOffer"]'], expect: 'closed', closes: true },
  { name: 'truncated JSON in an EVENT, polling', kind: 'polling', body: '42["peerOffer","x",{"sdp":', expect: 'closed', closes: true },
  { name: 'truncated JSON in an EVENT, websocket', kind: 'ws', frames: ['42["peerOffer","x",{"sdp":'], expect: 'closed', closes: true },
  { name: 'invalid JSON in an EVENT, polling', kind: 'polling', body: '42[peerOffer, x]', expect: 'closed', closes: true },
  { name: 'invalid JSON in an EVENT, websocket', kind: 'ws', frames: ['42{"sdp":1}'], expect: 'closed', closes: true },
  { name: 'EVENT payload that is not an array, websocket', kind: 'ws', frames: ['42"peerOffer"'], expect: 'closed', closes: true },
  // Invalid UTF-8. RFC 6455 8.1: a text frame that is not UTF-8 fails the connection (1007).
  // Polling: the Node server decodes the body leniently (U+FFFD) and keeps the session; ours
  // treats the payload as malformed and closes that session.
  {
    name: 'invalid UTF-8 bytes in a polling POST body', kind: 'polling',
    body: (peerId) => Buffer.concat([Buffer.from(`42["peerIce","${peerId}","a`), INVALID_UTF8, Buffer.from('"]')]),
    expect: 'closed', closes: true, node: { expect: 'open', closes: false },
  },
  {
    name: 'invalid UTF-8 bytes in a websocket text frame', kind: 'ws',
    frames: [{ data: Buffer.concat([Buffer.from('42["peerIce","x","'), INVALID_UTF8, Buffer.from('"]')]), binary: false }],
    expect: 'closed', code: 1007, closes: true,
  },
  // maxPayload: engine.io answers 413 to a larger polling body; ws closes with 1009.
  {
    name: 'polling POST over maxPayload gets 413', kind: 'http', method: 'POST', session: true,
    body: `42["peerIce","x","${'x'.repeat(MAX_PAYLOAD)}"]`, expect: { status: 413 },
  },
  {
    name: 'websocket message over maxPayload closes the connection', kind: 'ws',
    frames: [`42["peerIce","x","${'x'.repeat(MAX_PAYLOAD)}"]`], expect: 'closed', code: 1009, closes: true,
    logs: /payload|too (big|large)/i,
  },
  // Unknown and expired session ids: 400 {"code":1,"message":"Session ID unknown"}.
  { name: 'unknown sid, polling GET', kind: 'http', query: 'EIO=4&transport=polling&sid=no-such-sid', expect: eioError(1, 'Session ID unknown') },
  { name: 'unknown sid, polling POST', kind: 'http', method: 'POST', body: '40', query: 'EIO=4&transport=polling&sid=no-such-sid', expect: eioError(1, 'Session ID unknown') },
  { name: 'unknown sid, websocket', kind: 'upgrade', query: 'EIO=4&transport=websocket&sid=no-such-sid', message: 'Session ID unknown' },
  { name: 'expired sid (session closed by the client), polling GET', kind: 'http', expired: true, expect: eioError(1, 'Session ID unknown') },
  { name: 'expired sid (session closed by the client), polling POST', kind: 'http', method: 'POST', body: '40', expired: true, expect: eioError(1, 'Session ID unknown') },
  { name: 'expired sid (session closed by the client), websocket', kind: 'upgrade', expired: true, query: 'EIO=4&transport=websocket&sid={sid}', message: 'Session ID unknown' },
  // Handshake errors.
  { name: 'EIO=3, polling', kind: 'http', query: 'EIO=3&transport=polling', expect: eioError(5, 'Unsupported protocol version') },
  // The Node server upgrades first and then writes the error into the upgraded stream: the
  // client sees a broken frame, never an open packet. Ours refuses the upgrade with 400.
  { name: 'EIO=3, websocket', kind: 'upgrade', query: 'EIO=3&transport=websocket', message: 'Unsupported protocol version' },
  { name: 'missing EIO, polling', kind: 'http', query: 'transport=polling', expect: { status: 400 } },
  { name: 'unknown transport, polling', kind: 'http', query: 'EIO=4&transport=carrier-pigeon', expect: eioError(0, 'Transport unknown') },
  { name: 'unknown transport, websocket upgrade', kind: 'upgrade', query: 'EIO=4&transport=carrier-pigeon', message: 'Transport unknown' },
  { name: 'handshake with POST', kind: 'http', method: 'POST', body: '40', query: 'EIO=4&transport=polling', expect: eioError(2, 'Bad handshake method') },
  // Socket.IO namespaces: only "/" exists; CONNECT_ERROR, the connection stays up.
  { name: 'a namespace that does not exist, websocket', kind: 'ws', frames: ['40/nope,'], expect: { answer: '44/nope,{"message":"Invalid namespace"}' } },
  { name: 'a namespace that does not exist, polling', kind: 'polling', body: '40/nope,', expect: { answer: '44/nope,{"message":"Invalid namespace"}' } },
  // Flood: sio-signalling rate-limits each connection (token bucket ~2000 packets/s, burst 4000).
  {
    name: 'a flood of 20000 events on one websocket closes that connection', kind: 'ws',
    frames: Array.from({ length: 20000 }, () => '42["peerIce","no-such-peer",{}]'),
    expect: 'closed', closes: true, logs: /packets\/s|flood|rate/i, oursOnly: 'the Node server has no flood limit',
  },
  {
    name: 'a flood of 20000 events in one polling POST closes that session', kind: 'polling',
    body: Array.from({ length: 20000 }, () => '42["peerIce","no-such-peer",{}]').join(RS),
    expect: 'closed', closes: true, logs: /packets\/s|flood|rate/i, oursOnly: 'the Node server has no flood limit',
  },
];

// The row as it applies to the server under test.
const resolveRow = (row) => (!isOurs && row.node ? { ...row, ...row.node } : row);

function assertHttp(answer, expect, what) {
  assert.ok(!answer.timedOut && !answer.error, `${what}: no answer (${JSON.stringify(answer)})`);
  assert.equal(answer.status, expect.status, `${what}: status (body ${JSON.stringify(answer.body?.slice(0, 200))})`);
  if (expect.json) {
    assert.deepEqual(JSON.parse(answer.body), expect.json, `${what}: Engine.IO error body`);
    assert.match(answer.contentType ?? '', /application\/json/);
  }
}

describe(`bad input against ${serverKind}: each row gets its protocol answer and nothing else breaks`, () => {
  let server;
  let a;  // healthy clients connected before every row: polling and websocket
  let b;

  before(async () => {
    server = await startServer();
    a = await connectClient(server.url, 'polling');
    b = await connectClient(server.url, 'websocket');
  });
  after(async () => {
    a?.close();
    b?.close();
    await server?.stop();
  });

  // A session the client itself closed (Engine.IO close packet), for the expired-sid rows.
  async function expiredSid() {
    const sid = await pollingHandshake(server.url);
    assertHttp(await post(server.url, sid, '1'), { status: 200 }, 'close packet');
    await sleep(50);
    return sid;
  }

  async function runHttp(row) {
    let query = row.query ?? 'EIO=4&transport=polling';
    if (row.session) query = `EIO=4&transport=polling&sid=${await pollingHandshake(server.url)}`;
    if (row.expired) query = `EIO=4&transport=polling&sid=${await expiredSid()}`;
    const answer = await request(pollingUrl(server.url, query), { method: row.method ?? 'GET', body: row.body, ms: 5000 });
    assertHttp(answer, row.expect, row.name);
  }

  async function runPolling(row) {
    const { sid } = await pollingSocketIo(server.url);
    const body = typeof row.body === 'function' ? row.body(b.id) : row.body;
    const posted = await post(server.url, sid, body, 5000);
    assert.ok(!posted.timedOut && !posted.error, `POST got no answer: ${JSON.stringify(posted)}`);
    if (row.expect === 'closed') {
      // The POST itself may be answered 200 "ok" (Node) or 400 (engine.io-protocol suite allows both).
      assert.ok([200, 400].includes(posted.status), `POST status ${posted.status}`);
      const after = await pollingSessionState(server.url, sid);
      assert.equal(after.state, 'gone', `session not closed: ${JSON.stringify(after.detail)}`);
    } else if (row.expect === 'open') {
      assert.equal(posted.status, 200);
      // Still usable: it relays to the healthy websocket client.
      const mark = b.received.length;
      assert.equal((await post(server.url, sid, `42["peerOffer","${b.id}","still open"]`)).status, 200);
      await waitForRelay(b, 'peerOffer', mark);
      assert.equal(b.received.at(-1).args[1], 'still open');
    } else {
      assert.equal(posted.status, 200);
      const answer = await poll(server.url, sid);
      assert.equal(answer.status, 200);
      assert.ok(answer.body.split(RS).includes(row.expect.answer), `poll answered ${JSON.stringify(answer.body)}`);
    }
  }

  async function runWs(row) {
    const socket = await websocketSocketIo(server.url, { ms: 8000 });
    try {
      for (const frame of row.frames) {
        if (typeof frame === 'string') socket.ws.send(frame);
        else socket.ws.send(frame.data, { binary: frame.binary });
        if (socket.ws.readyState !== 1) break;  // closed under us (the flood row)
      }
      if (row.expect === 'closed') {
        const closed = await socket.closed;
        assert.notEqual(closed.code, 'timeout', 'the server did not close the connection');
        if (row.code) assert.equal(closed.code, row.code, 'close code');
      } else {
        const answer = await socket.waitMessage((m) => m === row.expect.answer);
        assert.equal(answer, row.expect.answer, `answers: ${JSON.stringify(socket.messages.slice(-3))}`);
        // The Engine.IO connection stays usable: the default namespace still relays.
        const mark = b.received.length;
        socket.ws.send(`42["peerOffer","${b.id}","still open"]`);
        await waitForRelay(b, 'peerOffer', mark);
      }
    } finally {
      socket.close();
    }
  }

  async function runUpgrade(row) {
    const query = row.expired ? row.query.replace('{sid}', await expiredSid()) : row.query;
    const socket = rawWebSocket(server.url, query);
    const opened = await socket.opened;
    if (opened) await sleep(300);  // the Node server's EIO=3 case: let its garbage arrive
    socket.close();
    assert.ok(!socket.messages.some((m) => typeof m === 'string' && m.startsWith('0{')),
      `an Engine.IO session was opened: ${JSON.stringify(socket.messages)}`);
    if (isOurs || socket.http) {
      assert.equal(socket.http?.status, 400, `upgrade not refused with 400: ${JSON.stringify(socket.http ?? socket.errors)}`);
      assert.ok(socket.http.body.includes(row.message), `body ${JSON.stringify(socket.http.body)} lacks ${row.message}`);
    }
  }

  const runners = { http: runHttp, polling: runPolling, ws: runWs, upgrade: runUpgrade };

  for (const original of ROWS) {
    const row = resolveRow(original);
    const skip = row.oursOnly && !isOurs ? `not applicable to the Node server: ${row.oursOnly}` : false;
    const name = skip ? `${row.name} [ours only: ${row.oursOnly}]` : row.name;
    test(name, { skip, timeout: 30000 }, async (t) => {
      const logMark = server.stderr().length;
      // Subtests, so the log and health checks run even when the answer was wrong.
      await t.test('the protocol answer', () => runners[row.kind](row));

      if (row.closes) {
        await t.test('the server logged a reason for the closed connection',
          { skip: isOurs ? false : 'not applicable to the Node server: it logs nothing' }, async () => {
            const logged = () => server.stderr().slice(logMark).split('\n')
              .some((line) => LOGGED_CLOSE.test(line) && (!row.logs || row.logs.test(line)));
            await waitUntil(logged, 2000, 'a logged reason').catch(() => {
                assert.fail(`no reason logged; stderr since the row: ${JSON.stringify(server.stderr().slice(logMark).slice(-600))}`);
              });
          });
      }

      await t.test('nothing else breaks: the earlier clients still relay, a new client connects', async () => {
        assert.ok(a.connected && b.connected, 'a healthy client was disconnected');
        for (const [from, to] of [[a, b], [b, a]]) {
          const mark = to.received.length;
          from.emit('peerIce', to.id, { candidate: `after ${row.name}` });
          const relayed = await waitForRelay(to, 'peerIce', mark);
          assert.deepEqual(relayed.args, [to.id, { candidate: `after ${row.name}` }, from.id]);
        }
        const fresh = await connectClient(server.url, 'default');
        fresh.close();
        assert.equal(server.child.exitCode, null, 'the server exited');
      });
    });
  }
});
