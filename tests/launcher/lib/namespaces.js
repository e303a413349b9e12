// Network namespaces a test makes itself (`ip netns`, so it needs root), with children run inside
// them: turn.test.mjs (coturn between two namespaces) and lossy.test.mjs (a lossy, slow link).
'use strict';

const assert = require('node:assert/strict');
const { execFile, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const { STEP_TIMEOUT_MS, withTimeout, trackChild, readLines } = require('../../interop/lib/browser.js');

const exec = promisify(execFile);
const ip = (...args) => exec('ip', args);
const inNs = (ns) => ['ip', 'netns', 'exec', ns];

// Fresh namespaces (left-overs of a killed run removed first), each with `lo` up.
const addNamespaces = async (names) => {
  await deleteNamespaces(names);
  for (const ns of names) {
    await ip('netns', 'add', ns);
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
  }
};

// Waits until the kernel reports `dev` in `ns` running (operstate UP, or UNKNOWN for a TUN device;
// a veth end only once both ends are up). The kernel updates that flag asynchronously (linkwatch,
// up to a second later), and libnice skips interfaces without it: a launcher started in that
// window gathered no candidate at all ("no local ICE candidates so far"; launcher-turn, 5 runs of
// 6 on 2026-12-05).
const waitRunning = async (ns, dev) => {
  const deadline = Date.now() + 5000;
  for (;;) {
    const { stdout } = await ip('-n', ns, '-o', 'link', 'show', 'dev', dev);
    if (/ state (UP|UNKNOWN) /.test(stdout)) return;
    if (Date.now() > deadline) throw new Error(`${ns}: ${dev} not running 5 s after it was set up: ${stdout.trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const deleteNamespaces = async (names) => {
  for (const ns of names) await ip('netns', 'del', ns).catch(() => {});
};

// `from` has no route to `to`.
const assertUnreachable = async (from, to) => {
  const route = await ip('-n', from, 'route', 'get', to).then(() => 'a route', (e) => String(e.stderr).trim());
  assert.match(route, /unreachable/, `${from} -> ${to}: ${route}`);
};

// A child in a namespace whose output is kept in `log`; resolves once a line matches `ready`.
// stop(): SIGTERM, then SIGKILL after 3 s; resolves to its exit.
const startIn = async (ns, command, ready, what) => {
  const child = trackChild(spawn('ip', ['netns', 'exec', ns, ...command], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const log = [];
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await withTimeout(new Promise((resolve, reject) => {
    readLines(child, (line, stream) => {
      log.push(`${stream}: ${line}`);
      if (ready.test(line)) resolve();
    });
    exited.then(({ code, signal }) => reject(new Error(`${what} exited (code ${code}, signal ${signal}):\n${log.join('\n')}`)));
  }), STEP_TIMEOUT_MS, `${what} start`);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return exited;
  };
  return { log, stop };
};

// A script that runs Chromium in `ns` (for launchBrowser's executablePath); remove() deletes it.
const chromiumIn = (ns) => {
  const file = path.join(os.tmpdir(), `sio-chromium-in-${ns}.sh`);
  fs.writeFileSync(file, `#!/bin/sh\nexec ip netns exec ${ns} ${process.env.CHROMIUM || '/usr/bin/chromium'} "$@"\n`,
                   { mode: 0o755 });
  return { path: file, remove: () => fs.rmSync(file, { force: true }) };
};

module.exports = {
  exec, ip, inNs, addNamespaces, deleteNamespaces, waitRunning, assertUnreachable, startIn, chromiumIn,
};
