// sio-webrtc's command line, run for real: a table of bad options and missing pieces (exit 2 and
// the message of each), a missing plugin (a plugin directory without x264), --help and --version.
// Env: SIO_WEBRTC = <build>/launcher/sio-webrtc (required); GST_SYSTEM_PLUGIN_DIR = the system
// GStreamer plugin directory (default /usr/lib/x86_64-linux-gnu/gstreamer-1.0).
// The table is printed as '# ' lines, to be quoted in the closing note.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';

const exec = promisify(execFile);

const binary = process.env.SIO_WEBRTC;
if (!binary || !existsSync(binary)) throw new Error(`set SIO_WEBRTC to the built sio-webrtc (got '${binary ?? ''}')`);
const systemPluginDir = process.env.GST_SYSTEM_PLUGIN_DIR ?? '/usr/lib/x86_64-linux-gnu/gstreamer-1.0';

const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'sio-webrtc-cli-test-'));
const results = [];  // [args, exit code, first stderr line] for the printed table

after(() => {
  const width = Math.max(...results.map(([args]) => args.length), 'arguments'.length);
  console.log(`# ${'arguments'.padEnd(width)} | exit | message`);
  for (const [args, code, message] of results) console.log(`# ${args.padEnd(width)} | ${String(code).padEnd(4)} | ${message}`);
  rmSync(tmpRoot, { recursive: true, force: true });
});

// The environment without variables that would change which plugins or registry are used.
function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const key of ['GST_PLUGIN_PATH', 'GST_PLUGIN_PATH_1_0', 'GST_PLUGIN_SYSTEM_PATH', 'GST_PLUGIN_SYSTEM_PATH_1_0',
    'GST_REGISTRY', 'GST_REGISTRY_1_0', 'GST_DEBUG']) delete env[key];
  return { ...env, ...extra };
}

// Runs sio-webrtc to completion (bounded: SIGKILL after `ms`).
function run(args, { env = {}, ms = 20000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { cwd: tmpRoot, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const firstLine = (text) => text.split('\n')[0];

// Runs one row and records it for the table.
async function runRow(args, options) {
  const result = await run(args, options);
  results.push([args.join(' '), result.code ?? result.signal, firstLine(result.stderr)]);
  return result;
}

// Bad command lines: parsed by launcher/options.cpp. [args, substring of the message].
const badOptions = [
  [['--mode=sideways'], "--mode: expected send, recv or both, got 'sideways'"],
  [['--mode'], '--mode: missing value'],
  [['--colour=red'], "unknown option '--colour'"],
  [['send'], "unexpected argument 'send'"],
  [['--dry-run=yes'], '--dry-run takes no value'],
  [['--server=ftp://example.org'], "--server: expected an http:// or https:// URL with a host, got 'ftp://example.org'"],
  [['--server=localhost:3000'], "--server: expected an http:// or https:// URL with a host, got 'localhost:3000'"],
  [['--server=http://'], "--server: expected an http:// or https:// URL with a host, got 'http://'"],
  [['--server=http://127.0.0.1:3000/foo'], "--server: unexpected path /foo (the Socket.IO path is always /socket.io/)"],
  [['--stun=stun:stun.example.org:3478'], "--stun: expected stun://HOST[:PORT], got 'stun:stun.example.org:3478'"],
  [['--turn=turn://turn.example.org:3478'], '--turn: needs a user name and a password'],
  [['--ice-address=localhost'], "--ice-address: not an IP address: 'localhost'"],
  [['--dialect=webrtc'], "--dialect: expected classic or simple-peer, got 'webrtc'"],
  [['--call='], '--call: missing value'],
  [['--codec=av1'], "--codec: expected vp8 or h264, got 'av1'"],
  [['--video=camera'], "--video: expected auto, test, v4l2[:DEVICE] or none, got 'camera'"],
  [['--audio=mic'], "--audio: expected auto, test or none, got 'mic'"],
  [['--port=70000'], '--port: out of range (0-65535): 70000'],
  [['--width=10'], '--width: out of range (16-7680): 10'],
  [['--fps=0'], '--fps: out of range (1-120): 0'],
  [['--bitrate=fast'], "--bitrate: not a whole number: 'fast'"],
  [['--duration=0'], '--duration: must be more than 0 seconds, got 0'],
  [['--duration=-1'], "--duration: not a number of seconds: '-1'"],
  [['--status-interval=-1'], "--status-interval: not a number of seconds: '-1'"],
  [['--metrics-port=70000'], '--metrics-port: out of range (0-65535): 70000'],
  [['--metrics-port=0', '--status-interval=0'],
   "--metrics-port needs statistics rounds: --status-interval=0 would leave every call's gauges at 0"],
  [['--sink=call.mp4'], "--sink: expected auto, fake or a FILE.mkv to record to, got 'call.mp4'"],
  [['--sink=/no/such/dir/call.mkv'], "--sink: the directory of '/no/such/dir/call.mkv' does not exist: /no/such/dir"],
  [['--public=/no/such/dir'], '--public: directory not found: /no/such/dir'],
  [['--mode=send', '--sink=fake'], '--sink=fake cannot be used with --mode=send (nothing is received)'],
  [['--mode=recv', '--video=test'], '--video=test cannot be used with --mode=recv (nothing is sent)'],
  [['--mode=recv', '--codec=h264'], '--codec=h264 cannot be used with --mode=recv (nothing is sent)'],
  [['--mode=send', '--video=none', '--audio=none'], '--mode=send with --video=none and --audio=none: nothing to send'],
  [['--server=http://127.0.0.1:3000', '--port=4000'], '--port=4000 cannot be used with --server=http://127.0.0.1:3000'],
];

describe('bad options: exit 2, "sio-webrtc: <message>" and "Try --help." on stderr', () => {
  for (const [args, message] of badOptions) {
    test(args.join(' '), async () => {
      const { code, stdout, stderr } = await runRow(args);
      assert.equal(code, 2, `exit code; stderr: ${stderr}`);
      assert.ok(stderr.startsWith('sio-webrtc: '), `stderr: ${stderr}`);
      assert.ok(stderr.includes(message), `expected "${message}" in: ${stderr}`);
      assert.ok(stderr.includes('Try --help.'), `stderr: ${stderr}`);
      assert.ok(!stdout.includes('listening on'), `no server may start: ${stdout}`);
    });
  }
});

describe('missing pieces: exit 2 naming what is missing (checked by main.cpp after parsing)', () => {
  const device = '/dev/video-does-not-exist';
  for (const args of [
    ['--mode=send', `--video=v4l2:${device}`, '--dry-run'],
    ['--mode=send', `--video=v4l2:${device}`, '--port=0', '--duration=5'],
  ]) {
    test(args.join(' '), async () => {
      assert.ok(!existsSync(device));
      const { code, stdout, stderr } = await runRow(args);
      assert.equal(code, 2, `exit code; stderr: ${stderr}`);
      assert.ok(stderr.startsWith('sio-webrtc: '), `stderr: ${stderr}`);
      assert.ok(stderr.includes(device), `expected the device path in: ${stderr}`);
      assert.ok(!stdout.includes('listening on'), `no server may start: ${stdout}`);
    });
  }

  // A plugin directory of symlinks to every system plugin except x264, with its own registry.
  function pluginDirWithout(excluded) {
    const dir = path.join(tmpRoot, `plugins-without-${excluded}`);
    mkdirSync(dir, { recursive: true });
    const plugins = readdirSync(systemPluginDir).filter((name) => name.endsWith('.so'));
    assert.ok(plugins.includes(excluded), `${excluded} must be installed in ${systemPluginDir} for this test to mean anything`);
    for (const name of plugins) if (name !== excluded) symlinkSync(path.join(systemPluginDir, name), path.join(dir, name));
    return {
      GST_PLUGIN_SYSTEM_PATH_1_0: dir,
      GST_REGISTRY: path.join(tmpRoot, `registry-without-${excluded}.bin`),
      GST_REGISTRY_1_0: path.join(tmpRoot, `registry-without-${excluded}.bin`),
    };
  }
  let withoutX264;

  test('--codec=h264 --mode=send --dry-run without libgstx264.so', async () => {
    withoutX264 = pluginDirWithout('libgstx264.so');
    const { code, stdout, stderr } = await runRow(['--codec=h264', '--mode=send', '--dry-run'], { env: withoutX264, ms: 60000 });
    results[results.length - 1][0] += '  (plugins without libgstx264.so)';
    assert.equal(code, 2, `exit code; stderr: ${stderr}`);
    assert.ok(stderr.startsWith('sio-webrtc: '), `stderr: ${stderr}`);
    assert.ok(stderr.includes('x264enc'), `expected x264enc in: ${stderr}`);
    assert.ok(stderr.includes('gstreamer1.0-plugins-ugly'), `expected the Debian package in: ${stderr}`);
    assert.ok(!stdout.includes('pipeline:'), `stdout: ${stdout}`);
  });

  // Controls: the same plugin directory is fine for VP8, and the full one is fine for H.264, so the
  // failure above is x264's absence and nothing else.
  test('--codec=vp8 --mode=send --dry-run without libgstx264.so: exit 0', async () => {
    withoutX264 ??= pluginDirWithout('libgstx264.so');
    const { code, stdout, stderr } = await runRow(['--codec=vp8', '--mode=send', '--dry-run'], { env: withoutX264, ms: 60000 });
    results[results.length - 1][0] += '  (plugins without libgstx264.so)';
    assert.equal(code, 0, `exit code; stderr: ${stderr}`);
    assert.match(stdout, /^pipeline: .*vp8enc/m);
  });

  test('--codec=h264 --mode=send --dry-run with every plugin: exit 0', async () => {
    const { code, stdout, stderr } = await runRow(['--codec=h264', '--mode=send', '--dry-run'], { ms: 60000 });
    assert.equal(code, 0, `exit code; stderr: ${stderr}`);
    assert.match(stdout, /^pipeline: .*x264enc/m);
  });
});

describe('good command lines', () => {
  const everyOption = ['--mode', '--server', '--host', '--port', '--public', '--dev-tls', '--dev-tls-dir', '--dialect',
    '--call', '--stun', '--turn', '--ice-address', '--insecure', '--video', '--audio', '--width', '--height', '--fps',
    '--codec', '--bitrate', '--sink', '--duration', '--status-interval', '--dry-run', '--help', '--version',
    '--max-calls', '--metrics-port'];

  for (const flag of ['--help', '-h']) {
    test(`${flag}: exit 0, every option with its default`, async () => {
      const { code, stdout, stderr } = await runRow([flag]);
      assert.equal(code, 0, `stderr: ${stderr}`);
      assert.equal(stderr, '');
      for (const option of everyOption) assert.ok(stdout.includes(option), `${option} missing from --help`);
      assert.ok((stdout.match(/\(default[ :]/g) ?? []).length >= 20, 'defaults are documented');
      assert.ok(stdout.includes('Examples:'));
    });
  }

  test('--version: exit 0, "sio-webrtc X.Y.Z" and the GStreamer, libsoup and GLib in use', async () => {
    const { code, stdout, stderr } = await runRow(['--version']);
    assert.equal(code, 0, `stderr: ${stderr}`);
    const gst = (await exec('gst-inspect-1.0', ['--version'])).stdout.match(/GStreamer (\d+\.\d+\.\d+)/)[1];
    assert.match(stdout, /^sio-webrtc \d+\.\d+\.\d+\nGStreamer \d+\.\d+\.\d+, libsoup 3\.\d+\.\d+, GLib 2\.\d+\.\d+\n$/);
    assert.ok(stdout.includes(`GStreamer ${gst},`), `not the GStreamer in use (${gst}): ${stdout}`);
  });
});

// Starts sio-webrtc in the background; lines() is its stdout so far, waitForLine(re) resolves with
// the first matching stdout line (bounded), done resolves with {code, signal, stdout, stderr}.
function start(args) {
  const child = spawn(binary, args, { cwd: tmpRoot, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners = new Set();
  child.stdout.on('data', (c) => {
    stdout += c;
    for (const listener of [...listeners]) listener();
  });
  child.stderr.on('data', (c) => { stderr += c; });
  const done = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30000);
  done.then(() => clearTimeout(killer));
  const waitForLine = (re, ms) => new Promise((resolve, reject) => {
    const check = () => {
      const line = stdout.split('\n').find((l) => re.test(l));
      if (line === undefined) return false;
      listeners.delete(check);
      clearTimeout(timer);
      resolve(line);
      return true;
    };
    const timer = setTimeout(() => {
      listeners.delete(check);
      reject(new Error(`no line matching ${re} within ${ms} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
    }, ms);
    listeners.add(check);
    check();
  });
  return { child, done, waitForLine, stop: () => child.kill('SIGTERM') };
}

// The embedded server with --dev-tls: HTTPS URLs printed, our own element connects to it (it
// skips validation of the certificate it made); a second launcher joining it is refused without
// --insecure (exit 1, the TLS failure named) and accepted with it.
describe('signalling over TLS', () => {
  test('--dev-tls serves https; --server=https://... needs --insecure for a self-signed certificate', async () => {
    const certDir = path.join(tmpRoot, 'dev-tls');
    const host = start(['--dev-tls', `--dev-tls-dir=${certDir}`, '--port=0', '--mode=send', '--video=test',
      '--audio=none', '--width=160', '--height=120', '--status-interval=0', '--duration=20']);
    try {
      const listening = await host.waitForLine(/^listening on https:\/\/127\.0\.0\.1:\d+\/$/, 15000);
      const url = listening.slice('listening on '.length);
      assert.match(await host.waitForLine(/^open https:/, 1000), new RegExp(`^open ${url}receiver\\.html `));
      await host.waitForLine(/^connected: local id \S+$/, 10000);

      const refused = await runRow(['--mode=recv', `--server=${url}`, '--status-interval=0', '--duration=10']);
      results[results.length - 1][0] = `--mode=recv --server=https://127.0.0.1:PORT/  (self-signed, no --insecure)`;
      assert.equal(refused.code, 1, `exit code; stderr: ${refused.stderr}`);
      assert.match(refused.stderr, /TLS failure talking to signalling server/);
      assert.ok(!refused.stdout.includes('connected: local id'), refused.stdout);

      const accepted = await runRow(['--mode=recv', `--server=${url}`, '--insecure', '--status-interval=0',
        '--duration=2']);
      results[results.length - 1][0] = '--mode=recv --server=https://127.0.0.1:PORT/ --insecure --duration=2';
      assert.equal(accepted.code, 0, `exit code; stderr: ${accepted.stderr}`);
      assert.match(accepted.stdout, /^connected: local id \S+$/m);
      assert.match(accepted.stdout, /^summary: sent_video_frames=0 received_video_frames=0 /m);
    } finally {
      host.stop();
      const { code, stdout } = await host.done;
      assert.equal(code, 0, `host exit code; stdout:\n${stdout}`);
    }
  });
});

// --auth-token: the embedded server lets in only clients that send the token, the page to open
// carries it (?token=), and a launcher joining without it is refused (exit 1, the refusal named:
// "unauthorized"); with it, it joins.
describe('--auth-token', () => {
  test('the embedded server requires the token; a launcher without it is refused, with it joins', async () => {
    const host = start(['--auth-token=cam s3cret', '--port=0', '--mode=send', '--video=test', '--audio=none',
      '--width=160', '--height=120', '--status-interval=0', '--duration=20']);
    try {
      const listening = await host.waitForLine(/^listening on http:\/\/127\.0\.0\.1:\d+\/$/, 15000);
      const url = listening.slice('listening on '.length);
      assert.match(await host.waitForLine(/^open http:/, 1000), new RegExp(`^open ${url}receiver\\.html\\?token=cam%20s3cret `));
      await host.waitForLine(/^connected: local id \S+$/, 10000);

      const refused = await runRow(['--mode=recv', `--server=${url}`, '--status-interval=0', '--duration=10']);
      results[results.length - 1][0] = '--mode=recv --server=http://127.0.0.1:PORT/  (server with --auth-token)';
      assert.equal(refused.code, 1, `exit code; stderr: ${refused.stderr}`);
      assert.match(refused.stderr, /refused to let us join.*unauthorized/s);
      assert.ok(!refused.stdout.includes('connected: local id'), refused.stdout);

      const wrong = await runRow(['--mode=recv', `--server=${url}`, '--auth-token=guess', '--status-interval=0',
        '--duration=10']);
      results[results.length - 1][0] = '--mode=recv --server=http://127.0.0.1:PORT/ --auth-token=guess';
      assert.equal(wrong.code, 1, `exit code; stderr: ${wrong.stderr}`);

      const accepted = await runRow(['--mode=recv', `--server=${url}`, '--auth-token=cam s3cret',
        '--status-interval=0', '--duration=2']);
      results[results.length - 1][0] = '--mode=recv --server=http://127.0.0.1:PORT/ --auth-token=...  --duration=2';
      assert.equal(accepted.code, 0, `exit code; stderr: ${accepted.stderr}`);
      assert.match(accepted.stdout, /^connected: local id \S+$/m);
    } finally {
      host.stop();
      const { code, stdout } = await host.done;
      assert.equal(code, 0, `host exit code; stdout:\n${stdout}`);
    }
  });
});
