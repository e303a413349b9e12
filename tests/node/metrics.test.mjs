// sio-signalling --metrics: /metrics read by Prometheus's own parser, values checked against a
// known scenario: three clients (two WebSocket, one long-polling only), relays of each event, one
// relay to an unknown id, a page from a refused origin, a connection that never sent its request
// head, a client that left. Without --metrics the
// path is a plain 404.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';

import { ourServerCommand, spawnServer } from './lib/server.mjs';
import { connectClient, waitForRelay, waitUntil } from './lib/wait.mjs';
import { assertConventions, scrape } from './lib/metrics.mjs';

let server;
before(async () => {
  const [command, ...args] = ourServerCommand();
  server = await spawnServer(command, [...args, '--metrics', '--header-timeout=500']);
});
after(async () => { if (server) await server.stop(); });

test('/metrics counts clients by transport, relays by event, drops, refusals and bytes', async () => {
  const a = await connectClient(server.url, 'websocket');
  const b = await connectClient(server.url, 'websocket');
  const c = await connectClient(server.url, 'polling');
  const gone = await connectClient(server.url, 'websocket');
  const goneId = gone.id;
  gone.close();
  try {
    const sends = [
      [a, 'peerOffer', b.id, 2],
      [b, 'peerAnswer', a.id, 1],
      [a, 'peerIce', c.id, 3],
      [c, 'signal', a.id, 1],
    ];
    for (const [from, event, to, times] of sends) {
      const target = [a, b, c].find((s) => s.id === to);
      for (let i = 0; i < times; i++) {
        const mark = target.received.length;
        from.emit(event, to, { n: i });  // the chapter's emit(event, peerId, payload)
        await waitForRelay(target, event, mark);
      }
    }
    a.emit('peerOffer', goneId, { sdp: 'to nobody' });  // dropped: that client left
    const refused = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`,
                                { headers: { Origin: 'https://evil.example' } });
    assert.equal(refused.status, 403);
    // A connection that never sends its request head: closed at --header-timeout, counted.
    const silent = net.connect(server.port, '127.0.0.1');
    await new Promise((resolve, reject) => {
      silent.once('close', resolve);
      silent.once('error', reject);
      setTimeout(() => reject(new Error('the silent connection was not closed within 5 s')), 5000);
    });

    const metrics = await waitUntil(async () => {
      const m = await scrape(`${server.url}/metrics`);
      return m.sample('sio_signalling_dropped_messages_total') === 1 &&
             m.sample('sio_signalling_clients', { transport: 'websocket' }) === 2 ? m : null;
    }, 5000, 'the drop and the departure counted');
    const { sample, families, text } = metrics;
    assertConventions(text);
    const expect = [
      ['sio_signalling_clients', { transport: 'websocket' }, 2],
      ['sio_signalling_clients', { transport: 'polling' }, 1],
      ['sio_signalling_sockets', {}, 3],
      ['sio_signalling_connections_total', {}, 4],
      ['sio_signalling_disconnections_total', {}, 1],
      ['sio_signalling_relayed_messages_total', { event: 'peerOffer' }, 2],
      ['sio_signalling_relayed_messages_total', { event: 'peerAnswer' }, 1],
      ['sio_signalling_relayed_messages_total', { event: 'peerIce' }, 3],
      ['sio_signalling_relayed_messages_total', { event: 'signal' }, 1],
      ['sio_signalling_dropped_messages_total', {}, 1],
      ['sio_signalling_refused_total', { reason: 'origin' }, 1],
      ['sio_signalling_refused_total', { reason: 'header_timeout' }, 1],
      ['sio_signalling_refused_total', { reason: 'max_clients' }, 0],
      ['sio_signalling_protocol_errors_total', {}, 0],
    ];
    for (const [name, labels, value] of expect) {
      assert.equal(sample(name, labels), value, `${name}${JSON.stringify(labels)}`);
    }
    const bytesIn = sample('sio_signalling_received_bytes_total');
    const bytesOut = sample('sio_signalling_sent_bytes_total');
    assert.ok(bytesIn > 7 * 20 && bytesOut > 7 * 20, `bytes in ${bytesIn}, out ${bytesOut}`);
    assert.ok(sample('process_resident_memory_bytes') > 1e6, 'RSS');
    assert.ok(sample('process_cpu_seconds_total') >= 0, 'CPU');
    assert.ok(sample('process_open_fds') >= 4, 'open fds (three clients and the listener at least)');
    console.log(`# ${families.length} families; bytes in ${bytesIn}, out ${bytesOut}; ` +
                `RSS ${(sample('process_resident_memory_bytes') / 1e6).toFixed(1)} MB`);
  } finally {
    for (const s of [a, b, c]) s.close();
  }
});

test('without --metrics, /metrics is not there', async () => {
  const [command, ...args] = ourServerCommand();
  const plain = await spawnServer(command, args);
  try {
    const response = await fetch(`${plain.url}/metrics`);
    assert.equal(response.status, 404);
  } finally {
    await plain.stop();
  }
});
