// Relay benchmark: sio-signalling against the chapter's Node server (express + socket.io), driven
// by the official socket.io-client. Prints figures; asserts nothing.
//
//   node tests/bench/relay-bench.mjs --server=NAME=CMD [--server=NAME=CMD ...] [options]
//
// CMD is split on spaces (relative paths in it are resolved from the current directory) and must print `listening on http://127.0.0.1:<port>/` on stdout; the bench
// appends nothing, so put `--port=0` in it. Each server runs twice (fresh process per phase):
//   1. memory: connect --clients websocket-only clients (default 1000), wait until the server is
//      idle, read VmRSS from /proc/<pid>/status -> KB per client. Also the server's CPU and each
//      client's connect time (handshake to Socket.IO `connect`, p50/p99/max) while connecting.
//   2. relay: --pairs pairs (default 50) bounce `peerIce` for --seconds (default 10) with --window
//      messages in flight per pair (default 8) and at most --rate sends/s per connection (default
//      1000, under the server's flood limit of ~2000 packets/s per connection). Server CPU
//      (utime+stime from /proc/<pid>/stat) over the window / messages relayed -> µs per message;
//      one-way latency from a timestamp in the payload -> p50/p99 (the load client's: with its
//      core saturated, that is mostly its own queue); and the same for a probe pair in a process
//      of its own (relay-probe.mjs), one message at a time every --probe-interval ms (default 5):
//      what a relay takes through the server under that load.
// The first server named is "ours", the second the reference for the ratio column.
//
// The chapter's app broadcasts the whole `clients` map to everyone on every connect, so phase 1
// moves O(N^3) bytes (≈18 GB at N=1000 with 20-character ids). The client therefore drops
// `clients` packets unparsed (a wrapper around the official parser) and the phase is bounded by
// --connect-seconds; whatever connected by then is what is measured, and the table says so.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openSync, closeSync, readFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import * as sioParser from 'socket.io-parser';

const CLK_TCK = 100;  // Linux USER_HZ, what /proc/<pid>/stat counts in

function parseArgs(argv) {
  const opts = {
    servers: [], clients: 1000, pairs: 50, window: 8, seconds: 10, warmup: 1, rate: 1000,
    connectSeconds: 120, concurrency: 50, probeInterval: 5, json: false,
  };
  const numeric = { clients: 'clients', pairs: 'pairs', window: 'window', seconds: 'seconds',
    warmup: 'warmup', rate: 'rate', 'connect-seconds': 'connectSeconds', concurrency: 'concurrency',
    'probe-interval': 'probeInterval' };
  for (const arg of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unexpected argument ${arg}`);
    const [, key, value] = m;
    if (key === 'server') {
      const eq = value?.indexOf('=') ?? -1;
      if (eq <= 0) throw new Error('--server=NAME=COMMAND');
      // Servers run in a temporary cwd: relative paths in the command are made absolute here.
      const command = value.slice(eq + 1).split(' ').filter(Boolean)
        .map((word) => (!word.startsWith('-') && word.includes('/') && existsSync(word) ? resolve(word) : word));
      opts.servers.push({ name: value.slice(0, eq), command });
    } else if (key === 'json') {
      opts.json = true;
    } else if (key in numeric) {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`--${key}: expected a positive number`);
      opts[numeric[key]] = n;
    } else {
      throw new Error(`unknown option --${key}`);
    }
  }
  if (opts.servers.length === 0) throw new Error('give at least one --server=NAME=COMMAND');
  return opts;
}

// --- the server process -------------------------------------------------------------------

// [utime, stime] in ticks. Fields after the parenthesised command: state is field 3; utime 14, stime 15.
function procCpuSplit(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(fields[11]), Number(fields[12])];
}

function procCpuTicks(pid) {
  const [utime, stime] = procCpuSplit(pid);
  return utime + stime;
}

function procRssKb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function startServer(command) {
  // Output goes to a file (both servers log every relay; a pipe we did not drain would block them).
  const dir = mkdtempSync(join(tmpdir(), 'relay-bench-'));
  const logFile = join(dir, 'server.log');
  const fd = openSync(logFile, 'a');
  // A clean cwd and no PORT/NODE_ENV, so no .env or environment changes the setup.
  const env = { ...process.env };
  delete env.PORT;
  delete env.NODE_ENV;
  const child = spawn(command[0], command.slice(1), { cwd: dir, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = false;
  child.on('exit', () => { exited = true; });
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline && !exited) {
    const m = /listening on (https?:\/\/\S+)/.exec(readFileSync(logFile, 'utf8').slice(0, 65536));
    if (m) {
      return {
        pid: child.pid, url: m[1].replace(/\/$/, ''),
        async stop() {
          if (!exited) child.kill('SIGTERM');
          for (let i = 0; i < 50 && !exited; i++) await sleep(100);
          if (!exited) child.kill('SIGKILL');
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await sleep(50);
  }
  if (!exited) child.kill('SIGKILL');
  const log = readFileSync(logFile, 'utf8').slice(0, 2000);
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`${command.join(' ')} did not print "listening on": ${log}`);
}

// Waits until the server used less than 2 ticks (20 ms of CPU) over 500 ms, at most `seconds`.
async function waitIdle(pid, seconds) {
  const deadline = Date.now() + seconds * 1000;
  let before = procCpuTicks(pid);
  while (Date.now() < deadline) {
    await sleep(500);
    const now = procCpuTicks(pid);
    if (now - before <= 2) return true;
    before = now;
  }
  return false;
}

// --- clients ---------------------------------------------------------------------------------

// The official parser, except that `clients` broadcasts are counted and dropped unparsed (see the
// header comment: they are the O(N^3) part and say nothing about the server).
const droppedClients = { count: 0 };
class SkippingDecoder extends sioParser.Decoder {
  add(obj) {
    if (typeof obj === 'string' && obj.startsWith('2["clients",')) {
      droppedClients.count++;
      return;
    }
    super.add(obj);
  }
}
const benchParser = { Encoder: sioParser.Encoder, Decoder: SkippingDecoder, protocol: sioParser.protocol };

function connectClient(url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      transports: ['websocket'], forceNew: true, reconnection: false, timeout: timeoutMs,
      parser: benchParser, rejectUnauthorized: false,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => { socket.close(); reject(err); });
  });
}

// Connects up to `count` clients, `concurrency` at a time, until `deadlineMs`.
async function connectMany(url, count, concurrency, deadlineMs) {
  const sockets = [];
  const connectMs = [];  // per successful client: handshake to Socket.IO `connect`
  const reasons = new Map();  // connect_error message -> count
  let failures = 0;
  let next = 0;
  const worker = async () => {
    while (next < count && Date.now() < deadlineMs) {
      next++;
      try {
        const started = performance.now();
        sockets.push(await connectClient(url, Math.max(1000, Math.min(20000, deadlineMs - Date.now()))));
        connectMs.push(performance.now() - started);
      } catch (err) {
        failures++;
        reasons.set(err.message, (reasons.get(err.message) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const failureReasons = [...reasons].map(([reason, n]) => `${n}x ${reason}`).join(', ');
  connectMs.sort((x, y) => x - y);
  return { sockets, failures, failureReasons, connectMs };
}

function closeAll(sockets) {
  for (const s of sockets) s.close();
}

// --- phase 1: memory per client -----------------------------------------------------------------

async function memoryPhase(server, opts) {
  const srv = await startServer(server.command);
  try {
    await sleep(300);
    await waitIdle(srv.pid, 5);
    const rssIdle = procRssKb(srv.pid);
    const cpu0 = procCpuTicks(srv.pid);
    const t0 = Date.now();
    const { sockets, failures, failureReasons, connectMs } = await connectMany(
      srv.url, opts.clients, opts.concurrency, t0 + opts.connectSeconds * 1000);
    const connectSeconds = (Date.now() - t0) / 1000;
    const idle = await waitIdle(srv.pid, 60);
    const rssLoaded = procRssKb(srv.pid);
    const cpuTicks = procCpuTicks(srv.pid) - cpu0;
    await srv.stop();  // before closing clients: their disconnects would broadcast O(N^2) again
    closeAll(sockets);
    return {
      clients: sockets.length, failures, failureReasons, connectSeconds, settled: idle, rssIdle, rssLoaded,
      kbPerClient: sockets.length ? (rssLoaded - rssIdle) / sockets.length : NaN,
      connectCpuSeconds: cpuTicks / CLK_TCK,
      connectP50Ms: percentile(connectMs, 0.5), connectP99Ms: percentile(connectMs, 0.99),
      connectMaxMs: connectMs.length ? connectMs[connectMs.length - 1] : NaN,
    };
  } catch (err) {
    await srv.stop();
    throw err;
  }
}

// --- phase 2: relay -------------------------------------------------------------------------------

const CANDIDATE = 'candidate:842163049 1 udp 1677729535 192.0.2.10 50123 typ srflx raddr 10.0.0.5 ' +
  'rport 50123 generation 0 ufrag sEMT network-cost 999';

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

// The latency probe (relay-probe.mjs) against `url`: resolves once it is connected, with
// go() / stop() (-> its figures).
async function startProbe(url, intervalMs) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('relay-probe.mjs', import.meta.url)), url,
                                         String(intervalMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (what) => {
    const timeout = sleep(20000).then(() => ({ done: true, timedOut: true }));
    const line = await Promise.race([lines.next(), timeout]);
    if (line.done) {
      child.kill('SIGKILL');
      throw new Error(`the latency probe ${line.timedOut ? 'timed out' : 'exited'} before ${what}`);
    }
    return line.value;
  };
  if ((await next('connecting')) !== 'ready') throw new Error('the latency probe did not connect');
  return {
    go() { child.stdin.write('go\n'); },
    async stop() {
      child.stdin.write('stop\n');
      return JSON.parse(await next('printing its figures'));
    },
    kill() { child.kill('SIGKILL'); },
  };
}

async function relayPhase(server, opts) {
  const srv = await startServer(server.command);
  const sockets = [];
  let refill;
  let probe;
  try {
    const { sockets: connected, failures } = await connectMany(srv.url, opts.pairs * 2, opts.concurrency,
                                                               Date.now() + 30000);
    sockets.push(...connected);
    if (failures || connected.length < opts.pairs * 2)
      throw new Error(`only ${connected.length} of ${opts.pairs * 2} relay clients connected`);
    await waitIdle(srv.pid, 10);

    const state = { measuring: false, running: true, received: 0, latenciesUs: [], wrongArgs: 0, sent: 0 };
    const perTick = opts.rate / 100;  // refilled every 10 ms
    const peers = sockets.map((socket) => ({ socket, budget: perTick, queue: [] }));
    const send = (peer, toId) => {
      if (!state.running) return;
      if (peer.budget >= 1) {
        peer.budget--;
        state.sent++;
        peer.socket.emit('peerIce', toId,
                         { candidate: CANDIDATE, sdpMid: '0', sdpMLineIndex: 0, t: performance.now() });
      } else {
        peer.queue.push(toId);
      }
    };
    refill = setInterval(() => {
      for (const peer of peers) {
        peer.budget = Math.min(perTick, peer.budget + perTick);
        while (peer.budget >= 1 && peer.queue.length) send(peer, peer.queue.shift());
      }
    }, 10);
    for (const peer of peers) {
      peer.socket.on('peerIce', (peerId, candidate, fromId) => {
        if (peerId !== peer.socket.id || typeof fromId !== 'string' || candidate?.candidate !== CANDIDATE)
          state.wrongArgs++;
        if (state.measuring) {
          state.received++;
          state.latenciesUs.push((performance.now() - candidate.t) * 1000);
        }
        send(peer, fromId);  // bounce it back: keeps `window` messages in flight per pair
      });
    }
    for (let i = 0; i < opts.pairs; i++) {
      const a = peers[2 * i], b = peers[2 * i + 1];
      for (let k = 0; k < opts.window; k++) send(a, b.socket.id);
    }

    probe = await startProbe(srv.url, opts.probeInterval);
    await sleep(opts.warmup * 1000);
    const [user0, sys0] = procCpuSplit(srv.pid);
    const t0 = performance.now();
    state.measuring = true;
    probe.go();
    await sleep(opts.seconds * 1000);
    state.measuring = false;
    const probed = await probe.stop();
    const [user1, sys1] = procCpuSplit(srv.pid);
    const cpu0 = user0 + sys0, cpu1 = user1 + sys1;
    const elapsed = (performance.now() - t0) / 1000;
    state.running = false;
    const rss = procRssKb(srv.pid);

    const sorted = state.latenciesUs.sort((x, y) => x - y);
    const cpuSeconds = (cpu1 - cpu0) / CLK_TCK;
    return {
      messages: state.received, seconds: elapsed, msgsPerSecond: state.received / elapsed,
      cpuPercent: (100 * cpuSeconds) / elapsed,
      usPerMessage: state.received ? (cpuSeconds * 1e6) / state.received : NaN,
      userUsPerMessage: state.received ? ((user1 - user0) / CLK_TCK * 1e6) / state.received : NaN,
      sysUsPerMessage: state.received ? ((sys1 - sys0) / CLK_TCK * 1e6) / state.received : NaN,
      p50Us: percentile(sorted, 0.5), p99Us: percentile(sorted, 0.99),
      probeSamples: probed.samples, probeP50Us: probed.p50Us, probeP99Us: probed.p99Us,
      wrongArgs: state.wrongArgs, rssKb: rss,
    };
  } finally {
    clearInterval(refill);
    probe?.kill();
    await srv.stop();
    closeAll(sockets);
  }
}

// --- report ------------------------------------------------------------------------------------

function fmt(value, digits) {
  if (typeof value !== 'number' || Number.isNaN(value)) return '-';
  return value.toFixed(digits);
}

function printTable(results, opts) {
  const names = results.map((r) => r.name);
  const ratio = results.length >= 2;
  const rows = [
    ['clients connected (phase 1)', (r) => r.memory?.clients, 0],
    ['connect failures', (r) => r.memory?.failures, 0],
    ['connect time (s)', (r) => r.memory?.connectSeconds, 1],
    ['server CPU while connecting (s)', (r) => r.memory?.connectCpuSeconds, 2],
    ['one client\'s connect p50 (ms)', (r) => r.memory?.connectP50Ms, 0],
    ['one client\'s connect p99 (ms)', (r) => r.memory?.connectP99Ms, 0],
    ['one client\'s connect max (ms)', (r) => r.memory?.connectMaxMs, 0],
    ['RSS idle (KB)', (r) => r.memory?.rssIdle, 0],
    [`RSS with clients (KB)`, (r) => r.memory?.rssLoaded, 0],
    ['RSS per client (KB)', (r) => r.memory?.kbPerClient, 1],
    ['relayed peerIce (msgs)', (r) => r.relay?.messages, 0],
    ['relay throughput (msgs/s)', (r) => r.relay?.msgsPerSecond, 0],
    ['server CPU during relay (%)', (r) => r.relay?.cpuPercent, 1],
    ['server CPU per message (µs)', (r) => r.relay?.usPerMessage, 2],
    ['  of which user (µs)', (r) => r.relay?.userUsPerMessage, 2],
    ['  of which kernel (µs)', (r) => r.relay?.sysUsPerMessage, 2],
    ['load client latency p50 (µs)', (r) => r.relay?.p50Us, 0],
    ['load client latency p99 (µs)', (r) => r.relay?.p99Us, 0],
    ['probe relays (msgs)', (r) => r.relay?.probeSamples, 0],
    ['probe latency p50 (µs)', (r) => r.relay?.probeP50Us, 0],
    ['probe latency p99 (µs)', (r) => r.relay?.probeP99Us, 0],
    ['wrong relay arguments', (r) => r.relay?.wrongArgs, 0],
  ];
  const header = ['', ...names, ...(ratio ? [`${names[0]}/${names[1]}`] : [])];
  const lines = [header];
  for (const [label, get, digits] of rows) {
    const values = results.map(get);
    const cells = [label, ...values.map((v) => fmt(v, digits))];
    if (ratio) cells.push(typeof values[0] === 'number' && values[1] ? fmt(values[0] / values[1], 2) : '-');
    lines.push(cells);
  }
  const widths = header.map((_, c) => Math.max(...lines.map((l) => String(l[c]).length)));
  console.log(`\nrelay-bench: ${opts.clients} clients; ${opts.pairs} pairs x ${opts.window} in flight, ` +
              `<= ${opts.rate} sends/s per connection, ${opts.seconds} s window`);
  for (const l of lines)
    console.log(l.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c])))
                 .join('  '));
  for (const r of results) {
    if (r.memory && r.memory.clients < opts.clients)
      console.log(`note: ${r.name}: only ${r.memory.clients} of ${opts.clients} clients connected within ` +
                  `${opts.connectSeconds} s`);
    if (r.memory?.failures) console.log(`note: ${r.name}: connect failures: ${r.memory.failureReasons}`);
    if (r.memory && !r.memory.settled) console.log(`note: ${r.name}: server still busy when RSS was read`);
    if (r.error) console.log(`note: ${r.name}: ${r.error}`);
  }
  console.log(`note: ${droppedClients.count} 'clients' broadcasts received and skipped unparsed`);
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`relay-bench: ${err.message}`);
    process.exit(2);
  }
  const results = [];
  for (const server of opts.servers) {
    const result = { name: server.name };
    try {
      console.error(`[${server.name}] phase 1: ${opts.clients} clients...`);
      result.memory = await memoryPhase(server, opts);
      console.error(`[${server.name}] phase 2: ${opts.pairs} pairs relaying for ${opts.seconds} s...`);
      result.relay = await relayPhase(server, opts);
    } catch (err) {
      result.error = err.message;
    }
    results.push(result);
    await sleep(1000);  // let closed client sockets drain before the next server
  }
  if (opts.json) console.log(JSON.stringify(results, null, 2));
  else printTable(results, opts);
  process.exit(0);
}

main();
