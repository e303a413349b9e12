// The installed product, away from the source tree (issue 12): `meson install --destdir` into a
// temporary folder, then every installed binary runs in a private mount namespace where the source
// and build trees are covered by empty tmpfs mounts, so nothing compiled in can reach them.
// Checked:
//   - the installed sio-signalling serves every page, the socket.io client bundles and simple-peer,
//     byte-identical to the sources (the staged prefix is not the configured one: found relative
//     to the executable);
//   - the installed sio-webrtc runs a call that Chromium's receiver.html, served by it, plays;
//   - gst-inspect-1.0 finds the installed plugin with GST_PLUGIN_PATH set to the prefix's plugin dir,
//     its origin URL the installed README;
//   - a binary whose data folder is missing fails at start and says what it looked for;
//   - the man pages are installed and name every option --help names;
//   - the systemd units pass systemd-analyze verify (the staged prefix mounted over the configured
//     one, so their ExecStart and man: links resolve), and both binaries speak Type=notify:
//     READY=1 once usable, STOPPING=1 on SIGTERM, exit 0.
// Env (meson sets it): SIO_BUILD_ROOT, SIO_SOURCE_ROOT, SIO_PREFIX, SIO_BINDIR, SIO_LIBDIR,
// SIO_DATADIR, SIO_MANDIR. Needs root (mount namespaces).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import browserLib from '../interop/lib/browser.js';
import launcherLib from '../launcher/lib/launcher.js';

const {
  STEP_TIMEOUT_MS, withTimeout, trackChild, readLines, stopChild, launchBrowser, openPage, closePages, assertPlays,
  describeFailure,
} = browserLib;
const { startLauncher } = launcherLib;
const exec = promisify(execFile);

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is needed (meson test sets it)`);
  return value;
};
const BUILD = env('SIO_BUILD_ROOT');
const SOURCE = env('SIO_SOURCE_ROOT');
const PREFIX = env('SIO_PREFIX');
const under = (dir) => (path.isAbsolute(dir) ? dir : path.join(PREFIX, dir));

const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'sio-install-'));
const staged = (dir) => path.join(stage, under(dir));
const BIN = staged(env('SIO_BINDIR'));
const PLUGIN_DIR = path.join(staged(env('SIO_LIBDIR')), 'gstreamer-1.0');
const DATA = path.join(staged(env('SIO_DATADIR')), 'gst-socketio-webrtc');
const MAN1 = path.join(staged(env('SIO_MANDIR')), 'man1');

// Runs a command with the source and build trees covered (build first: it may sit inside the
// source tree). `unshare -m` makes the mounts private to the command; it execs, so signals reach it.
const MASK = `for d in "$SIO_MASK_BUILD" "$SIO_MASK_SOURCE"; do mount -t tmpfs -o size=64k,mode=0755 sio-masked "$d" || exit 97; done; exec "$@"`;
const masked = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', MASK, 'masked'];
const maskEnv = { SIO_MASK_BUILD: BUILD, SIO_MASK_SOURCE: SOURCE };

const runMasked = (command, extraEnv = {}) => exec(masked[0], [...masked.slice(1), ...command], {
  env: { ...process.env, ...maskEnv, ...extraEnv }, timeout: 60000,
});

let browser;

before(async () => {
  const { stdout } = await exec('meson', ['install', '-C', BUILD, '--no-rebuild', '--quiet', '--destdir', stage],
                                { timeout: 120000 });
  if (stdout.trim()) console.log(stdout.trim().replace(/^/gm, '# '));
  for (const file of [path.join(BIN, 'sio-signalling'), path.join(BIN, 'sio-webrtc'),
                      path.join(PLUGIN_DIR, 'libgstsocketio.so'), path.join(DATA, 'web', 'index.html')]) {
    assert.ok(fs.existsSync(file), `meson install did not stage ${file}`);
  }
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  fs.rmSync(stage, { recursive: true, force: true });
});

test('the masked namespace really hides the source and build trees', async () => {
  // The build tree may be inside the source tree, and then is gone altogether.
  const { stdout } = await runMasked(['sh', '-c', 'ls -A "$SIO_MASK_SOURCE"; [ ! -e "$SIO_MASK_BUILD" ] || ls -A "$SIO_MASK_BUILD"']);
  assert.equal(stdout, '', `still visible:\n${stdout}`);
});

// Every file under web/ that is installed (the pages' tree, meson.build aside), by URL path.
const pageFiles = () => {
  const out = [];
  const walk = (dir, prefix) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name), `${prefix}${entry.name}/`);
      else if (entry.name !== 'meson.build') out.push([`/${prefix}${entry.name}`, path.join(dir, entry.name)]);
    }
  };
  walk(path.join(SOURCE, 'web'), '');
  return out;
};

// A child in the masked namespace whose lines are kept; resolves with its base URL once it
// prints "listening on".
const startMasked = async (command, what) => {
  const child = trackChild(spawn(masked[0], [...masked.slice(1), ...command], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...maskEnv },
  }));
  const log = [];
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await withTimeout(new Promise((resolve, reject) => {
    readLines(child, (line, stream) => {
      log.push(`${stream}: ${line}`);
      const m = /^listening on (http:\/\/\S+)/.exec(line);
      if (m) resolve(m[1].endsWith('/') ? m[1] : `${m[1]}/`);
    });
    exited.then(({ code, signal }) => reject(new Error(`${what} exited (code ${code}, signal ${signal}):\n${log.join('\n')}`)));
  }), STEP_TIMEOUT_MS, `${what} start`);
  return { url, log, stop: () => stopChild(child, exited) };
};

test('installed sio-signalling serves every page and both bundles, byte-identical', async () => {
  const server = await startMasked([path.join(BIN, 'sio-signalling'), '--port=0'], 'installed sio-signalling');
  try {
    const clientDist = path.join(SOURCE, 'node_modules', 'socket.io-client', 'dist');
    const expected = [
      ...pageFiles(),
      ['/', path.join(SOURCE, 'web', 'index.html')],
      ...fs.readdirSync(clientDist).map((name) => [`/socket.io/${name}`, path.join(clientDist, name)]),
      ['/vendor/simplepeer.min.js', path.join(SOURCE, 'node_modules', 'simple-peer', 'simplepeer.min.js')],
    ];
    for (const [urlPath, source] of expected) {
      const response = await fetch(new URL(urlPath.slice(1), server.url));
      assert.equal(response.status, 200, `${urlPath}: ${response.status}`);
      const body = Buffer.from(await response.arrayBuffer());
      assert.ok(body.equals(fs.readFileSync(source)), `${urlPath} differs from ${source}`);
    }
    console.log(`# ${expected.length} URLs answered 200, each byte-identical to its source`);
    assert.ok(!server.log.some((l) => /will answer 404|no web pages/.test(l)), server.log.join('\n'));
  } finally {
    await server.stop();
  }
});

test('installed sio-webrtc: Chromium plays its call on receiver.html from the installed pages', { timeout: 90000 },
     async () => {
  const launcher = startLauncher([
    '--mode=send', '--call=auto', '--video=test', '--audio=test', '--width=320', '--height=240', '--fps=30',
    '--port=0', '--ice-address=127.0.0.1', '--status-interval=1',
  ], { name: 'installed-sio-webrtc', prefix: masked, binary: path.join(BIN, 'sio-webrtc'),
       env: { ...maskEnv, GST_REGISTRY: path.join(stage, 'registry-launcher.bin') } });
  const pages = [];
  try {
    const open = await launcher.waitFor('open', 'open URL', STEP_TIMEOUT_MS);
    assert.match(open.url, /\/receiver\.html$/);
    const page = await openPage(browser, open.url, { name: 'receiver' });
    pages.push(page);
    const pageId = await withTimeout(page.socketId, STEP_TIMEOUT_MS, 'receiver socket id');
    const startedAt = Date.now();
    await launcher.waitFor('call-started', `call: started with ${pageId}`, STEP_TIMEOUT_MS, (e) => e.peer === pageId);
    const played = await assertPlays(page, 'otherCamera', startedAt);
    console.log(`# receiver.html from the installed launcher played ${played.codecs} (first picture ${played.firstFrameMs} ms)`);
    const summary = await launcher.stopAndCheck();
    assert.ok(summary.sent_video_frames > 0, `sent_video_frames=${summary.sent_video_frames}`);
  } catch (error) {
    console.log(describeFailure({ kind: 'embedded', log: [] }, pages,
                                [{ title: 'installed launcher', lines: launcher.log.slice(-80) }]).replace(/^/gm, '# '));
    throw error;
  } finally {
    await closePages(pages);
    await launcher.kill();
  }
});

test('gst-inspect-1.0 finds the installed plugin through GST_PLUGIN_PATH', async () => {
  const registry = path.join(stage, 'registry.bin');
  const { stdout } = await runMasked(['gst-inspect-1.0', 'socketiosignaller'],
                                     { GST_PLUGIN_PATH: PLUGIN_DIR, GST_REGISTRY: registry });
  assert.match(stdout, /Factory Details:/);
  // One line of description (usage is in the element's documentation), and the signals.
  assert.match(stdout, /^ +Description +Calls and answers WebRTC peers through a Socket\.IO signalling server$/m);
  for (const name of ['peers-changed', 'call-started', 'call-ended']) assert.match(stdout, new RegExp(`"${name}"`));
  assert.ok(stdout.includes(path.join(PLUGIN_DIR, 'libgstsocketio.so')), `not loaded from ${PLUGIN_DIR}:\n${stdout}`);
  // The origin URL (meson's package-origin, empty here): the README installed with the pages, a
  // file URL under the configured prefix that the staged install holds, byte-identical.
  const origin = /^ +Origin URL +(\S+)$/m.exec(stdout)?.[1];
  const readme = path.join(under(env('SIO_DATADIR')), 'gst-socketio-webrtc', 'README.md');
  assert.equal(origin, `file://${readme}`, 'the origin URL');
  assert.ok(fs.readFileSync(path.join(stage, readme)).equals(fs.readFileSync(path.join(SOURCE, 'README.md'))),
            `${readme} is not the README`);
  console.log(`# Origin URL ${origin}`);
});

test('without its data folder a binary fails at start and says where it looked', async () => {
  const lonely = path.join(stage, 'elsewhere', 'bin');
  fs.mkdirSync(lonely, { recursive: true });
  fs.copyFileSync(path.join(BIN, 'sio-signalling'), path.join(lonely, 'sio-signalling'));
  fs.chmodSync(path.join(lonely, 'sio-signalling'), 0o755);
  const result = await runMasked([path.join(lonely, 'sio-signalling'), '--port=0'])
    .then(() => ({ code: 0, stderr: '' }), (error) => error);
  assert.notEqual(result.code, 0, 'it started without pages');
  const expected = path.join(lonely, path.relative(under(env('SIO_BINDIR')), under(env('SIO_DATADIR'))),
                             'gst-socketio-webrtc', 'web');
  assert.ok(String(result.stderr).includes(`no web pages: ${expected} is not a folder`), String(result.stderr));
  assert.match(String(result.stderr), /--public=DIR/);
  console.log(`# ${String(result.stderr).trim().split('\n').pop()}`);
});

for (const name of ['sio-signalling', 'sio-webrtc']) {
  test(`man page of ${name}: installed, every option of --help in it`, async () => {
    const page = path.join(MAN1, `${name}.1`);
    assert.ok(fs.existsSync(page), `${page} was not installed`);
    const man = fs.readFileSync(page, 'utf8').replace(/\\-/g, '-');
    const { stdout: help } = await runMasked([path.join(BIN, name), '--help']);
    const options = [...new Set(help.match(/--[a-z][a-z0-9-]+/g))];
    assert.ok(options.length >= 10, `--help names only ${options.length} options`);
    const missing = options.filter((o) => !man.includes(o));
    assert.deepEqual(missing, [], `${page} lacks options --help names`);
    assert.ok(man.includes(`.TH ${name.toUpperCase()} "1"`), `${page}: no .TH ${name.toUpperCase()} "1" header`);
  });
}

test('systemd units: systemd-analyze verify passes with nothing to say', async () => {
  const units = path.join(stage, under('lib'), 'systemd', 'system');
  for (const unit of ['sio-signalling.service', 'sio-webrtc@.service']) {
    assert.ok(fs.existsSync(path.join(units, unit)), `${unit} was not installed`);
  }
  assert.ok(fs.existsSync(PREFIX), `${PREFIX} must exist to mount the staged prefix over it`);
  // A template is checked through an instance (the camera video0).
  const instanceDir = path.join(stage, 'instances');
  fs.mkdirSync(instanceDir, { recursive: true });
  const installedUnits = path.join(under('lib'), 'systemd', 'system');
  fs.symlinkSync(path.join(installedUnits, 'sio-webrtc@.service'), path.join(instanceDir, 'sio-webrtc@video0.service'));
  const script = 'mount --bind "$SIO_STAGED_PREFIX" "$SIO_PREFIX" && exec systemd-analyze verify "$@" 2>&1';
  const { stdout } = await exec('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'verify',
                                            path.join(installedUnits, 'sio-signalling.service'),
                                            path.join(instanceDir, 'sio-webrtc@video0.service')], {
    env: { ...process.env, SIO_STAGED_PREFIX: path.join(stage, PREFIX), SIO_PREFIX: PREFIX }, timeout: 60000,
  });
  assert.equal(stdout.trim(), '', `systemd-analyze verify:\n${stdout}`);
});

// A port free now, for a binary told to listen there (the checker probes it at READY=1).
const freePort = () => new Promise((resolve, reject) => {
  const probe = net.createServer();
  probe.once('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});

const notifyCheck = async (port, command) => {
  // Copied out: the source tree is hidden where it runs.
  const checker = path.join(stage, 'notify_check.py');
  fs.copyFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'notify_check.py'), checker);
  const { stdout } = await runMasked(['/usr/bin/python3', checker, String(port), ...command]);
  return JSON.parse(stdout);
};

test('sio-signalling speaks Type=notify: READY=1 once its port accepts, STOPPING=1 on SIGTERM', async () => {
  const port = await freePort();
  const result = await notifyCheck(port, [path.join(BIN, 'sio-signalling'), `--port=${port}`]);
  console.log(`# notify messages: ${JSON.stringify(result.messages)}; exit ${result.exit_code}`);
  assert.ok(result.ready, `no READY=1:\n${result.output.join('\n')}`);
  assert.equal(result.port_open_at_ready, true, 'the port did not accept at READY=1');
  assert.ok(result.stopping, 'no STOPPING=1 after SIGTERM');
  assert.equal(result.exit_code, 0, result.output.join('\n'));
});

test('sio-webrtc speaks Type=notify: READY=1 once running, STOPPING=1 on SIGTERM, summary at exit', async () => {
  const port = await freePort();
  const result = await notifyCheck(port, [path.join(BIN, 'sio-webrtc'), '--mode=send', '--video=test', '--audio=none',
                                          `--port=${port}`, '--ice-address=127.0.0.1']);
  console.log(`# notify messages: ${JSON.stringify(result.messages)}; exit ${result.exit_code}`);
  assert.ok(result.ready, `no READY=1:\n${result.output.join('\n')}`);
  assert.equal(result.port_open_at_ready, true, 'the embedded server did not accept at READY=1');
  assert.ok(result.stopping, 'no STOPPING=1 after SIGTERM');
  assert.equal(result.exit_code, 0, result.output.join('\n'));
  assert.ok(result.output.some((l) => l.startsWith('summary: ')), 'no summary line');
});
