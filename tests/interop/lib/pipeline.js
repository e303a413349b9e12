// A GStreamer pipeline under test: runs tests/interop/sio-peer (env SIO_PEER) on a gst-launch
// description and follows its JSON-lines report (see sio-peer.cpp): call events, frame counters,
// bus errors. waitFor() fails at once when the pipeline reports a bus error or exits, so a case
// does not sit out its timeout after the element has already given up.
'use strict';

const assert = require('node:assert/strict');
const { spawn, execFile } = require('node:child_process');
const fs = require('node:fs');
const { trackChild, readLines, stopChild, sleep } = require('./browser.js');
const { eventWaiters } = require('./waiters.js');

const LOG_LINES_KEPT = 400;
const STOP_TIMEOUT_MS = 10000;

// Every thread's stack of a process that does not stop, for the failure report (gdb, if
// installed; bounded). Resolves with lines, never rejects.
const stacksOf = (pid) => new Promise((resolve) => {
  execFile('gdb', ['-p', String(pid), '-batch', '-nx', '-ex', 'thread apply all bt'],
           { timeout: 20000, maxBuffer: 4 << 20 }, (error, stdout) => {
    const lines = String(stdout || '').split('\n').filter((l) => /^(Thread|#)/.test(l));
    resolve(lines.length ? lines : [`(no stacks: ${error ? error.message : 'gdb printed none'})`]);
  });
});

const startPipeline = (description, { name = 'pipeline', args = [], env = {} } = {}) => {
  const binary = process.env.SIO_PEER;
  assert.ok(binary, 'SIO_PEER=/path/to/sio-peer is needed (meson sets it)');
  assert.ok(fs.existsSync(binary), `SIO_PEER does not exist: ${binary}`);
  const child = trackChild(spawn(binary, [...args, description], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  }));

  const events = [];
  const log = [`$ sio-peer ${description}`];  // stdout and stderr, last LOG_LINES_KEPT lines
  let failure;  // set once: the first bus error, or the exit
  // 'close', not 'exit': 'exit' can come before the last lines of stdout are read, and a file
  // decoded in less than a --stats-interval-ms then counted 0 frames (its only stats line, the
  // final one, was not read yet).
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));

  const { settle, waitFor } = eventWaiters(name, events, () => failure);

  readLines(child, (line, stream) => {
    log.push(`${stream}: ${line}`);
    if (log.length > LOG_LINES_KEPT) log.splice(1, log.length - LOG_LINES_KEPT);
    if (stream !== 'out' || !line.startsWith('{')) return;
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    events.push(event);
    if (event.event === 'error' && !failure) {
      failure = `bus error "${event.message}" (${event.debug})`;
    }
    settle();
  });
  exited.then(({ code, signal }) => {
    if (!failure) failure = `sio-peer exited (code ${code}, signal ${signal})`;
    settle();
  });

  const latestStats = () => {
    for (let i = events.length - 1; i >= 0; i--) {
      if (events[i].event === 'stats') return events[i];
    }
    return { video_frames: 0, audio_buffers: 0 };
  };

  // SIGTERM (sio-peer sends EOS and shuts down); a clean stop exits 0 and reports no bus error.
  // A pipeline still running after STOP_TIMEOUT_MS gets its stacks logged, then SIGKILL.
  const stacks = [];  // filled when the pipeline does not stop
  const stopAndCheck = async () => {
    let hung = false;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      hung = !(await Promise.race([exited, sleep(STOP_TIMEOUT_MS).then(() => null)]));
      if (hung) {
        stacks.push(...(await stacksOf(child.pid)));
        child.kill('SIGKILL');
      }
    }
    const { code, signal } = await exited;
    const errors = events.filter((e) => e.event === 'error');
    assert.deepEqual(errors, [], `${name}: bus errors`);
    assert.ok(!hung, `${name}: did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM (killed; stacks logged)`);
    assert.equal(signal, null, `${name}: killed by ${signal}`);
    assert.equal(code, 0, `${name}: exit code ${code}`);
  };

  return {
    name,
    events,
    log,
    stacks,
    waitFor,
    latestStats,
    stopAndCheck,
    stop: () => stopChild(child, exited, 5000),
  };
};

module.exports = { startPipeline };
