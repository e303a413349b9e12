// The official socket.io-client v4 against the server under test (SIO_SERVER=ours|node): the
// chapter's app (`clients` broadcast, unicast relay with the sender's id appended) over every
// transport combination. Cases that depend on sio-signalling's options or its ack extension
// are skipped on the Node server, with the reason in the test name.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { isOurs, serverKind, startServer } from './lib/server.mjs';
import {
  connectClient, latestClients, nextEvent, sleep, waitForClients, waitForRelay, waitUntil,
} from './lib/wait.mjs';

const TRANSPORTS = ['polling', 'websocket', 'default'];
const RELAYED = ['peerOffer', 'peerAnswer', 'peerIce', 'signal'];
// Skips on the Node server, visibly: the reason is in the test's name and its skip message.
const oursOnly = (reason) => (isOurs ? {} : { skip: `not applicable to the Node server: ${reason}` });
const oursOnlyName = (name, reason) => (isOurs ? name : `${name} [ours only: ${reason}]`);

// What each relayed event carries in the chapter (simple-peer's `signal` carries either).
const samplePayload = {
  peerOffer: { type: 'offer', sdp: 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' },
  peerAnswer: { type: 'answer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' },
  peerIce: { candidate: 'candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 },
  signal: { type: 'candidate', candidate: { candidate: 'candidate:2 1 tcp 1 10.0.0.1 9 typ host', sdpMid: '0' } },
};

// Emits `event` from `from` to `to` and asserts `to` gets exactly [to.id, payload, from.id].
async function assertRelay(from, to, event, payload) {
  const mark = to.received.length;
  from.emit(event, to.id, payload);
  const relayed = await waitForRelay(to, event, mark);
  assert.deepEqual(relayed.args, [to.id, payload, from.id]);
}

describe(`socket.io-client against ${serverKind}`, () => {
  let server;
  const open = [];
  const connect = async (transport, extra) => {
    const socket = await connectClient(server.url, transport, extra);
    open.push(socket);
    return socket;
  };
  const closeAll = () => { for (const s of open.splice(0)) s.close(); };

  before(async () => { server = await startServer(); });
  after(async () => { closeAll(); await server?.stop(); });

  for (const transport of TRANSPORTS) {
    test(`a ${transport} client connects and is listed in clients as {id:{id}}`, async () => {
      const socket = await connect(transport);
      assert.equal(typeof socket.id, 'string');
      const map = await waitForClients(socket, [socket.id]);
      assert.deepEqual(map, { [socket.id]: { id: socket.id } });
      if (transport === 'default') {
        // The default client starts on polling; the upgrade must really complete.
        await waitUntil(() => socket.io.engine.transport.name === 'websocket', 5000, 'upgrade to websocket');
      } else {
        assert.equal(socket.io.engine.transport.name, transport);
      }
      closeAll();
      await sleep(50);
    });
  }

  test('clients lists every id, in connection order, on every client', async () => {
    const sockets = [];
    for (const transport of TRANSPORTS) sockets.push(await connect(transport));
    const ids = sockets.map((s) => s.id);
    const expected = Object.fromEntries(ids.map((id) => [id, { id }]));
    for (const socket of sockets) {
      const map = await waitForClients(socket, ids);
      assert.deepEqual(map, expected);
    }
    closeAll();
    await sleep(50);
  });

  test(oursOnlyName('a stableId in the auth is listed with the client, the same after it reconnects',
                    'the Node server lists {id} only'), oursOnly('sio-signalling extension'), async () => {
    const kept = await connect('websocket', { auth: { stableId: 'page-0123456789' }, reconnection: true,
                                              reconnectionDelay: 100, reconnectionDelayMax: 100 });
    const plain = await connect('polling', { auth: { stableId: 'bad id!' } });
    const firstId = kept.id;
    let map = await waitForClients(plain, [kept.id, plain.id]);
    assert.deepEqual(map, { [kept.id]: { id: kept.id, stableId: 'page-0123456789' }, [plain.id]: { id: plain.id } });
    kept.io.engine.close();  // as a lost connection: socket.io-client reconnects, with the same auth
    await waitUntil(() => kept.connected && kept.id !== firstId, 5000, 'the reconnection');
    map = await waitForClients(plain, [plain.id, kept.id]);
    assert.deepEqual(map[kept.id], { id: kept.id, stableId: 'page-0123456789' });
    closeAll();
    await sleep(50);
  });

  describe('relay across transport combinations', () => {
    const byTransport = {};
    before(async () => {
      // Two clients per transport, so every ordered pair (same transport included) can be tried.
      for (const transport of TRANSPORTS) {
        byTransport[transport] = await connect(transport);
        byTransport[`${transport}#2`] = await connect(transport);
      }
      await waitUntil(() => byTransport.default.io.engine.transport.name === 'websocket' &&
        byTransport['default#2'].io.engine.transport.name === 'websocket', 5000, 'upgrade');
    });
    after(() => closeAll());

    for (const fromTransport of TRANSPORTS) {
      for (const toTransport of TRANSPORTS) {
        test(`${fromTransport} -> ${toTransport}: ${RELAYED.join(', ')} reach the peer with the sender's id`, async () => {
          const from = byTransport[fromTransport];
          const to = byTransport[fromTransport === toTransport ? `${toTransport}#2` : toTransport];
          for (const event of RELAYED) await assertRelay(from, to, event, samplePayload[event]);
        });
      }
    }

    test('the relay is unicast: only the named peer receives it, the sender gets nothing back', async () => {
      const { polling: a, websocket: b, default: c } = byTransport;
      const marks = [a, b, c].map((s) => s.received.length);
      await assertRelay(a, b, 'peerOffer', samplePayload.peerOffer);
      await sleep(150);  // give a misrouted copy time to arrive
      assert.equal(a.received.length, marks[0], 'sender received a copy');
      assert.equal(c.received.length, marks[2], 'a third client received a copy');
    });

    const unicode = {
      emoji: '😀👍🏽👨‍👩‍👧‍👦🇧🇪',
      cjk: '漢字かなカナ한국어',
      rtl: 'مرحبا بالعالم שלום',
      separators: 'line\u2028separator\u2029paragraph',
      controls: 'nul\u0000rs\u001eunit\u001fdel\u007f',
      quotes: '"\\/\b\f\n\r\t',
    };
    for (const transport of TRANSPORTS) {
      test(`unicode payload (emoji, CJK, RTL, U+2028, controls) passes intact to a ${transport} client`, async () => {
        const others = TRANSPORTS.filter((t) => t !== transport);
        await assertRelay(byTransport[others[0]], byTransport[transport], 'signal', unicode);
        await assertRelay(byTransport[transport], byTransport[others[1]], 'peerIce', unicode);
      });
    }

    for (const transport of ['polling', 'websocket']) {
      test(`a 500 KB payload passes intact to and from a ${transport} client`, async () => {
        const big = { type: 'offer', sdp: 'a=x-filler:'.concat('0123456789abcdef'.repeat(32000)) };
        assert.ok(JSON.stringify(big).length > 500 * 1000);
        const other = transport === 'polling' ? byTransport.websocket : byTransport.polling;
        await assertRelay(other, byTransport[transport], 'peerOffer', big);
        await assertRelay(byTransport[transport], other, 'peerAnswer', big);
      });
    }

    test('a message to an unknown id is dropped; the sender and the others keep working', async () => {
      const { polling: a, websocket: b, default: c } = byTransport;
      const marks = [a, b, c].map((s) => s.received.length);
      for (const event of RELAYED) a.emit(event, 'no-such-peer-id', samplePayload[event]);
      a.emit('peerOffer', '', samplePayload.peerOffer);
      await sleep(200);
      assert.deepEqual([a, b, c].map((s) => s.received.length), marks, 'something was delivered');
      assert.ok(a.connected && b.connected && c.connected);
      await assertRelay(a, b, 'peerOffer', samplePayload.peerOffer);
      await assertRelay(c, a, 'peerAnswer', samplePayload.peerAnswer);
    });

    const ackReason = 'acks on relayed events are an extension of sio-signalling';
    test(oursOnlyName('an ack on a relayed event round-trips: [true] when delivered, [false] for an unknown id', ackReason),
      oursOnly(ackReason), async () => {
        const { polling: a, websocket: b, default: c } = byTransport;
        for (const [from, to] of [[a, b], [b, c], [c, a]]) {
          const mark = to.received.length;
          const delivered = await from.timeout(3000).emitWithAck('signal', to.id, samplePayload.signal);
          assert.equal(delivered, true);
          // The peer receives the plain relay (no ack callback of its own).
          const relayed = await waitForRelay(to, 'signal', mark);
          assert.deepEqual(relayed.args, [to.id, samplePayload.signal, from.id]);
        }
        const unknown = await a.timeout(3000).emitWithAck('peerIce', 'no-such-peer-id', samplePayload.peerIce);
        assert.equal(unknown, false);
      });
  });

  test('a disconnect updates clients for the others', async () => {
    const a = await connect('polling');
    const b = await connect('websocket');
    const c = await connect('default');
    await waitForClients(a, [a.id, b.id, c.id]);
    const gone = b.id;
    b.close();
    for (const s of [a, c]) {
      const map = await waitForClients(s, [a.id, c.id]);
      assert.deepEqual(map, { [a.id]: { id: a.id }, [c.id]: { id: c.id } });
      assert.ok(!(gone in latestClients(s)));
    }
    closeAll();
    await sleep(50);
  });
});

const heartbeatReason = 'needs --ping-interval 200 --ping-timeout 200';
describe(oursOnlyName(`heartbeat: idle connections survive more than three ping intervals on ${serverKind}`, heartbeatReason),
  oursOnly(heartbeatReason), () => {
    let server;
    before(async () => {
      server = await startServer({ oursArgs: ['--ping-interval', '200', '--ping-timeout', '200'] });
    });
    after(async () => { await server?.stop(); });

    for (const transport of TRANSPORTS) {
      test(`${transport}: still connected after 4 intervals, pinged, no disconnect or reconnect`, async () => {
        const socket = await connectClient(server.url, transport, { reconnection: true });
        try {
          const events = [];
          socket.on('disconnect', (reason) => events.push(`disconnect: ${reason}`));
          socket.io.on('reconnect_attempt', () => events.push('reconnect_attempt'));
          let pings = 0;
          socket.io.engine.on('ping', () => { pings += 1; });
          const id = socket.id;
          const engineId = socket.io.engine.id;
          await sleep(4 * 200 + 300);
          assert.deepEqual(events, []);
          assert.ok(socket.connected);
          assert.equal(socket.id, id);
          assert.equal(socket.io.engine.id, engineId);
          assert.ok(pings >= 3, `only ${pings} pings in 1100 ms with a 200 ms interval`);
        } finally {
          socket.close();
        }
      });
    }
  });
