// The relay benchmark's latency probe (relay-bench.mjs starts it): one pair of official
// socket.io-client connections in a process of its own, so that what it measures is the server
// under the benchmark's load, not the load client's own queue (that client runs its core flat
// out, and its latency is its in-flight window divided by the throughput it manages).
//
//   node tests/bench/relay-probe.mjs URL INTERVAL_MS
//
// Prints `ready` once both are connected. After `go` on stdin it relays one `peerIce` from one to
// the other every INTERVAL_MS (never two in flight) and records each one's latency (send to
// receive, one clock); after `stop` it prints {"samples", "p50Us", "p99Us", "maxUs"} and exits.
import { io } from 'socket.io-client';
import { createInterface } from 'node:readline';

const [url, intervalText] = process.argv.slice(2);
const intervalMs = Number(intervalText);
if (!url || !(intervalMs > 0)) {
  console.error('usage: relay-probe.mjs URL INTERVAL_MS');
  process.exit(2);
}

const connect = () => new Promise((resolve, reject) => {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 10000 });
  socket.once('connect', () => resolve(socket));
  socket.once('connect_error', reject);
});

const latenciesUs = [];
let sending = false;
let inFlight = false;
let timer = null;
const [from, to] = await Promise.all([connect(), connect()]);
to.on('peerIce', (_peerId, candidate) => {
  inFlight = false;
  if (sending) latenciesUs.push((performance.now() - candidate.t) * 1000);
});
const tick = () => {
  if (!sending || inFlight) return;
  inFlight = true;
  from.emit('peerIce', to.id, { candidate: 'candidate:probe 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0',
                                 sdpMLineIndex: 0, t: performance.now() });
};
console.log('ready');

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') {
    sending = true;
    timer = setInterval(tick, intervalMs);
  } else if (line === 'stop') {
    sending = false;
    clearInterval(timer);
    const sorted = latenciesUs.sort((a, b) => a - b);
    console.log(JSON.stringify({ samples: sorted.length, p50Us: percentile(sorted, 0.5),
                                 p99Us: percentile(sorted, 0.99), maxUs: sorted.at(-1) ?? null }));
    from.close();
    to.close();
    process.exit(0);
  }
}
