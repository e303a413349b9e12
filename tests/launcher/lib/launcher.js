// A sio-webrtc launcher under test (env SIO_WEBRTC): spawns it and follows its stdout contract
// (coord LAUNCHER.md), one event per line:
//   listening on URL                     the embedded server's address(es)
//   open URL to ...                      the page to open
//   connected: local id ID
//   call: started with PEER (calling|answering)
//   call: connected with PEER in N ms (offer sent N ms, answer in N ms, ICE N ms, DTLS N ms)
//   call: candidate pair with PEER: local TYPE IP:PORT, remote TYPE IP:PORT
//   call: first video RTP from PEER after N ms   (or audio, other) since the call started
//   picture: first video frame from PEER   the first received frame decoded (--sink=fake/auto/file)
//   call: ended with PEER (REASON)
//   status: k=v ...                      every --status-interval seconds (all calls)
//   status-call: k=v ...                 with several calls, one per call before `status:`
//   (stderr) sio-webrtc: warning: TEXT   a warning from the pipeline
//   summary: k=v ...                     once, at exit
//   metrics on URL                       with --metrics-port
// waitFor() fails at once when the launcher exits, so a case does not sit out its timeout after
// the launcher has already given up; the log (stdout and stderr) goes into failure reports.
'use strict';

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const { trackChild, readLines, sleep } = require('../../interop/lib/browser.js');
const { eventWaiters } = require('../../interop/lib/waiters.js');

const LOG_LINES_KEPT = 400;
const STOP_TIMEOUT_MS = 10000;  // SIGTERM -> exit: EOS through the pipeline, file finalised

// "a=1 b=x c=2.5" -> {a: 1, b: 'x', c: 2.5}; numbers become numbers.
const parseFields = (text) => {
  const fields = {};
  for (const word of text.trim().split(/\s+/)) {
    const eq = word.indexOf('=');
    if (eq <= 0) continue;
    const value = word.slice(eq + 1);
    fields[word.slice(0, eq)] = value !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
  }
  return fields;
};

// One stdout line -> an event object, or null for lines outside the contract.
const parseLine = (line) => {
  let m;
  if ((m = /^listening on (https?:\/\/\S+)/.exec(line))) return { type: 'listening', url: m[1] };
  if ((m = /^open (https?:\/\/\S+)/.exec(line))) return { type: 'open', url: m[1] };
  if ((m = /^receiving (\w+) -> (.*)$/.exec(line))) return { type: 'receiving', pad: m[1], to: m[2] };
  if ((m = /^connected: local id (\S+)/.exec(line))) return { type: 'connected', id: m[1] };
  // The role is in the contract; parsed as optional so that a line without it fails the role
  // check (with a clear message), not the wait.
  if ((m = /^call: started with (\S+)(?: \((calling|answering)\))?$/.exec(line))) {
    return { type: 'call-started', peer: m[1], role: m[2] || '' };
  }
  if ((m = /^call: connected with (\S+) in (\d+) ms(?: \((.*)\))?/.exec(line))) {
    // The element's steps: "offer sent 38 ms, answer in 83 ms, ICE 154 ms, DTLS 164 ms".
    const steps = {};
    for (const part of (m[3] || '').split(', ')) {
      const step = /^(.+) (\d+) ms$/.exec(part);
      if (step) steps[step[1]] = Number(step[2]);
    }
    return { type: 'call-connected', peer: m[1], ms: Number(m[2]), steps };
  }
  if ((m = /^call: candidate pair with (\S+): local (\w+) (\S*), remote (\w+) (\S*)$/.exec(line))) {
    return { type: 'candidate-pair', peer: m[1], local: m[2], localAddress: m[3], remote: m[4], remoteAddress: m[5] };
  }
  if ((m = /^call: first (audio|video|other) RTP from (\S+) after (-?\d+) ms$/.exec(line))) {
    return { type: 'first-rtp', media: m[1], peer: m[2], ms: Number(m[3]) };
  }
  if ((m = /^picture: first video frame from (\S+)/.exec(line))) return { type: 'first-frame', peer: m[1] };
  if ((m = /^call: latency for (\S+) raised to (\d+) ms \(was (\d+)\): retransmissions take (\d+) ms$/.exec(line))) {
    return { type: 'latency-raised', peer: m[1], ms: Number(m[2]), previous: Number(m[3]), rttMs: Number(m[4]) };
  }
  if ((m = /^call: ended with (\S+) \((.*)\)/.exec(line))) return { type: 'call-ended', peer: m[1], reason: m[2] };
  if ((m = /^call: not connected with (\S+) after (\d+) s:? (.*)$/.exec(line))) {
    return { type: 'call-not-connected', peer: m[1], seconds: Number(m[2]), reason: m[3] };
  }
  if ((m = /^signalling: (lost the server|cannot reach the server) \((.*)\); trying again in ([\d.]+) s/.exec(line))) {
    return { type: 'signalling-lost', wasConnected: m[1] === 'lost the server', reason: m[2], retrySeconds: Number(m[3]) };
  }
  if ((m = /^signalling: rejoined as (\S+) \(was (\S+)\); (\d+) call\(s\) kept/.exec(line))) {
    return { type: 'rejoined', id: m[1], previous: m[2], kept: Number(m[3]) };
  }
  if ((m = /^status: (.*)$/.exec(line))) return { type: 'status', ...parseFields(m[1]) };
  if ((m = /^status-call: (.*)$/.exec(line))) return { type: 'status-call', ...parseFields(m[1]) };
  if ((m = /^summary: (.*)$/.exec(line))) return { type: 'summary', ...parseFields(m[1]) };
  if ((m = /^metrics on (http:\/\/\S+)$/.exec(line))) return { type: 'metrics', url: m[1] };
  // --stamp on the sender: glass-to-glass figures (launcher/glass_to_glass.cpp).
  if ((m = /^latency: (.*): (\d+) stamped frames, glass to glass (-?\d+) ms median \(p95 (-?\d+)\) when shown, (-?\d+) ms \(p95 (-?\d+)\) when decoded; (\d+) ms of latency upstream/.exec(line))) {
    const [what, frames, shown, shownP95, decoded, decodedP95, upstream] = m.slice(1);
    return { type: 'latency', what, frames: Number(frames), shown: Number(shown), shownP95: Number(shownP95),
             decoded: Number(decoded), decodedP95: Number(decodedP95), upstream: Number(upstream) };
  }
  return null;
};

// `prefix`: a command that runs the launcher, e.g. ['ip', 'netns', 'exec', NAME] (it execs, so the
// child is still the launcher: signals reach it).
// `binary`: another sio-webrtc than SIO_WEBRTC's (e.g. an installed one).
const startLauncher = (args, { name = 'sio-webrtc', env = {}, prefix = [], binary = process.env.SIO_WEBRTC } = {}) => {
  assert.ok(binary, 'SIO_WEBRTC=/path/to/sio-webrtc is needed (meson sets it)');
  assert.ok(fs.existsSync(binary), `SIO_WEBRTC does not exist: ${binary}`);
  const command = [...prefix, binary];
  const child = trackChild(spawn(command[0], [...command.slice(1), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  }));

  const startedAt = Date.now();
  const events = [];
  const log = [`$ sio-webrtc ${args.join(' ')}`];  // stdout and stderr, last LOG_LINES_KEPT lines
  // 'close' comes after 'exit' and after the last stdout line: a waiter fails only once every
  // line has been seen.
  let exit = null;  // {code, signal} once it exited and its output is read
  const exited = new Promise((resolve) => child.once('close', (code, signal) => {
    exit = { code, signal };
    resolve(exit);
    settle();
  }));

  const { settle, waitFor: waitForEvent } = eventWaiters(
    name, events, () => exit && `exited (code ${exit.code}, signal ${exit.signal})`);

  readLines(child, (line, stream) => {
    log.push(`${((Date.now() - startedAt) / 1000).toFixed(1)}s ${stream}: ${line}`);
    if (log.length > LOG_LINES_KEPT) log.splice(1, log.length - LOG_LINES_KEPT);
    let m;
    if (stream !== 'out') {
      // Warnings (stderr): e.g. a peer not called because --max-calls are in progress.
      if ((m = /^sio-webrtc: warning: (.*)$/.exec(line))) {
        events.push({ type: 'warning', text: m[1], t_ms: Date.now() - startedAt });
        settle();
      }
      return;
    }
    const event = parseLine(line);
    if (!event) return;
    event.at = Date.now();  // wall clock, to line up with a page's performance.timeOrigin + now()
    event.t_ms = event.at - startedAt;
    events.push(event);
    settle();
  });

  // Resolves with the first event (past or future) for which predicate(event) holds; `type` is a
  // string (event type) or a predicate.
  const waitFor = (type, what, timeoutMs, predicate = () => true) => waitForEvent(
    typeof type === 'function' ? type : (e) => e.type === type && predicate(e), what, timeoutMs);

  // The first http URL of `listening on` (the embedded server's base URL, ending in '/').
  const baseUrl = async (timeoutMs) => (await waitFor('listening', 'listening on http://...', timeoutMs,
                                                      (e) => e.url.startsWith('http:'))).url;
  const localId = async (timeoutMs) => (await waitFor('connected', 'connected: local id', timeoutMs)).id;
  const summary = () => events.find((e) => e.type === 'summary');

  // Waits for the launcher to exit by itself (--duration); asserts exit 0 and a summary line.
  const waitExit = async (timeoutMs) => {
    const result = await Promise.race([exited, sleep(timeoutMs).then(() => null)]);
    assert.ok(result, `${name}: still running ${timeoutMs} ms after it should have ended`);
    assert.equal(result.signal, null, `${name}: killed by ${result.signal}`);
    assert.equal(result.code, 0, `${name}: exit code ${result.code}`);
    const found = summary();
    assert.ok(found, `${name}: no summary line`);
    return found;
  };

  // SIGTERM (EOS first, then exit 0 with a summary line); SIGKILL if it does not stop in time.
  const stopAndCheck = async () => {
    let hung = false;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      hung = !(await Promise.race([exited, sleep(STOP_TIMEOUT_MS).then(() => null)]));
      if (hung) child.kill('SIGKILL');
    }
    assert.ok(!hung, `${name}: did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM (killed)`);
    return waitExit(1000);
  };

  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };

  return { name, args, events, log, waitFor, baseUrl, localId, summary, waitExit, stopAndCheck, kill,
           exited, startedAt };
};

// Runs the launcher to completion for option checks: resolves {code, signal, stdout, stderr}.
const runLauncher = (args, { env = {}, timeoutMs = 15000 } = {}) => new Promise((resolve, reject) => {
  const binary = process.env.SIO_WEBRTC;
  assert.ok(binary, 'SIO_WEBRTC=/path/to/sio-webrtc is needed (meson sets it)');
  const child = trackChild(spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'],
                                                 env: { ...process.env, ...env } }));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => {
    child.kill('SIGKILL');
    reject(new Error(`sio-webrtc ${args.join(' ')}: still running after ${timeoutMs} ms`));
  }, timeoutMs);
  child.once('close', (code, signal) => {
    clearTimeout(timer);
    resolve({ code, signal, stdout, stderr });
  });
});

module.exports = { startLauncher, runLauncher, parseLine, parseFields };
