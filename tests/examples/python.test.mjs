// The Python example (examples/python/call.py, PyGObject with Debian's python3-gi) in a real call
// through sio-signalling: it calls the first other client, a sio-webrtc --mode=both answering; each
// side receives the other's media; when the launcher leaves the example reports the call ended;
// Ctrl-C ends it with status 0. What it prints is its interface: each line is checked.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import browserLib from '../interop/lib/browser.js';
import launcherLib from '../launcher/lib/launcher.js';
import waitersLib from '../interop/lib/waiters.js';

const { webDir, STEP_TIMEOUT_MS, startServer, trackChild, readLines, stopChild } = browserLib;
const { startLauncher } = launcherLib;
const { eventWaiters } = waitersLib;

const children = [];
after(async () => { for (const stop of children) await stop(); });

// The example as a child whose stdout lines can be waited for.
const startExample = (args) => {
  const child = trackChild(spawn('/usr/bin/python3', [process.env.SIO_EXAMPLE, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' },
  }));
  const lines = [];
  let exit = null;
  const exited = new Promise((resolve) => child.once('close', (code, signal) => {
    exit = { code, signal };
    resolve(exit);
    settle();
  }));
  const { settle, waitFor } = eventWaiters('call.py', lines, () => exit && `exited (code ${exit.code}, signal ${exit.signal})`);
  readLines(child, (line, stream) => {
    lines.push({ stream, line });
    settle();
  });
  const line = (re, what = String(re)) => waitFor((e) => e.stream === 'out' && re.test(e.line), what, STEP_TIMEOUT_MS)
    .then((e) => e.line);
  return { child, lines, exited, line, stop: () => stopChild(child, exited) };
};

test('examples/python/call.py calls a launcher through sio-signalling, media both ways, reports the end',
     { timeout: 90000 }, async () => {
  const server = await startServer(webDir, 'ours');
  children.push(server.stop);
  const launcher = startLauncher(['--mode=both', '--video=test', '--audio=test', '--width=320', '--height=240',
                                  '--fps=30', `--server=${server.baseUrl}`, '--ice-address=127.0.0.1',
                                  '--status-interval=1'], { name: 'answering-launcher' });
  children.push(() => launcher.kill());
  const example = startExample([`--server=${server.baseUrl}`, '--local-addresses=127.0.0.1']);
  children.push(example.stop);
  try {
    const launcherId = await launcher.localId(STEP_TIMEOUT_MS);
    await example.line(new RegExp(`^peers: .*${launcherId}`), `peers: listing ${launcherId}`);
    await example.line(new RegExp(`^call started with ${launcherId}$`));
    const started = await launcher.waitFor('call-started', 'call: started', STEP_TIMEOUT_MS);
    assert.equal(started.role, 'answering');
    await example.line(/^receiving on video_\d+$/);
    await example.line(/^video_\d+: 100 RTP packets received$/);
    await launcher.waitFor('status', 'received_video_frames >= 30', STEP_TIMEOUT_MS,
                           (e) => e.peer === started.peer && e.received_video_frames >= 30);

    await launcher.stopAndCheck();
    const ended = await example.line(new RegExp(`^call ended with ${launcherId} \\(.+\\)$`));
    console.log(`# ${ended}`);

    example.child.kill('SIGINT');
    const { code } = await example.exited;
    assert.equal(code, 0, 'Ctrl-C ends the example with status 0');
    const stopped = example.lines.find((e) => /^stopped; RTP packets received: \{/.test(e.line));
    assert.ok(stopped, 'no "stopped;" line with packet counts');
    console.log(`# ${stopped.line}`);
  } catch (error) {
    console.log(['# call.py:', ...example.lines.map((e) => `${e.stream}: ${e.line}`),
                 '# launcher:', ...launcher.log.slice(-60), '# server:', ...server.log.slice(-30)]
      .join('\n').replace(/^/gm, '# '));
    throw error;
  }
});
