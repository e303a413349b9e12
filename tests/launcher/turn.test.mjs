// Calls through a TURN relay (issue 11). The test builds three network namespaces: T holds Debian's
// coturn and sio-signalling, A and B each reach T over a veth pair and cannot reach each other (T
// does not forward). A sending launcher in A (--call=all) calls a receiving launcher in B and
// Chromium's receiver.html in B, all with ice-transport-policy relay: the media can only go
// A -> coturn -> B. Run twice: coturn with a static user (lt-cred-mech, --turn=turn://USER:PASS@...)
// and with a shared secret (use-auth-secret, --turn-secret; the page gets time-limited credentials
// made from it, as an application server would hand out).
// Checked: the receiving launcher counts frames, both launchers' selected candidate pairs (their
// `call: candidate pair` lines) and the page's (getStats) are relay <-> relay, and coturn's log
// shows the relayed sessions with permissions.
// Needs root (ip netns); run as meson does: meson test -C <build> launcher-turn
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import browserLib from '../interop/lib/browser.js';
import launcherLib from './lib/launcher.js';
import namespaces from './lib/namespaces.js';

const {
  webDir, STEP_TIMEOUT_MS, withTimeout, launchBrowser, openPage, closePages, assertPlays, describeFailure,
} = browserLib;
const { startLauncher } = launcherLib;
const {
  exec, ip, inNs, addNamespaces, deleteNamespaces, waitRunning, assertUnreachable, startIn, chromiumIn,
} = namespaces;

const NS = { t: `sio-turn-${process.pid}`, a: `sio-a-${process.pid}`, b: `sio-b-${process.pid}` };
const IP = { tA: '10.71.1.1', a: '10.71.1.2', tB: '10.71.2.1', b: '10.71.2.2' };
const SIGNALLING_PORT = 3000;
const TURN_PORT = 3478;
const USER = 'camera';
const PASSWORD = 'north-wind';
const SECRET = 'shared-north-wind-secret';
const MIN_FRAMES = 30;
const SEND = ['--video=test', '--audio=test', '--width=320', '--height=240', '--fps=30', '--status-interval=1'];

let signalling;
let browser;
let chromium;

before(async () => {
  await addNamespaces(Object.values(NS));
  for (const [side, there, here] of [['a', IP.tA, IP.a], ['b', IP.tB, IP.b]]) {
    await ip('link', 'add', `v${side}0`, 'netns', NS.t, 'type', 'veth', 'peer', 'name', `v${side}1`, 'netns', NS[side]);
    await ip('-n', NS.t, 'addr', 'add', `${there}/24`, 'dev', `v${side}0`);
    await ip('-n', NS.t, 'link', 'set', `v${side}0`, 'up');
    await ip('-n', NS[side], 'addr', 'add', `${here}/24`, 'dev', `v${side}1`);
    await ip('-n', NS[side], 'link', 'set', `v${side}1`, 'up');
  }
  // Launchers started before the links count as running would find no interface to use.
  for (const side of ['a', 'b']) {
    await waitRunning(NS.t, `v${side}0`);
    await waitRunning(NS[side], `v${side}1`);
  }
  await exec('ip', ['netns', 'exec', NS.t, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=0']);
  // A and B cannot reach each other: no route, and T would not forward anyway.
  await assertUnreachable(NS.a, IP.b);
  await assertUnreachable(NS.b, IP.a);
  signalling = await startIn(NS.t, [process.env.SIO_SIGNALLING, '--host=0.0.0.0', `--port=${SIGNALLING_PORT}`,
                                    `--public=${webDir}`], /listening on/, 'sio-signalling');
  chromium = chromiumIn(NS.b);
  browser = await launchBrowser({ executablePath: chromium.path });
});

after(async () => {
  if (browser) await browser.close();
  if (signalling) await signalling.stop();
  if (chromium) chromium.remove();
  await deleteNamespaces(Object.values(NS));
});

// coturn in T, listening and relaying on both of its addresses.
const startTurn = (auth) => startIn(NS.t, [
  'turnserver', '-n', `--listening-ip=${IP.tA}`, `--listening-ip=${IP.tB}`, `--relay-ip=${IP.tA}`,
  `--relay-ip=${IP.tB}`, `--listening-port=${TURN_PORT}`, '--realm=sio.test', ...auth, '--no-tls', '--no-dtls',
  '--no-cli', '--log-file=stdout', '--simple-log', '--verbose', '--min-port=50000', '--max-port=50999',
  `--pidfile=${path.join(os.tmpdir(), `sio-turn-${process.pid}.pid`)}`,
  `--db=${path.join(os.tmpdir(), `sio-turn-${process.pid}.db`)}`,
], /Total General servers/, 'turnserver');

// The page's selected candidate pair: local and remote candidate types.
const selectedPair = (record) => record.page.evaluate(async () => {
  const pc = window.__peerConnections[window.__peerConnections.length - 1];
  const stats = await pc.getStats();
  let pair;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  if (!pair) stats.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
  if (!pair) return null;
  const local = stats.get(pair.localCandidateId);
  const remote = stats.get(pair.remoteCandidateId);
  return { local: local?.candidateType, remote: remote?.candidateType, localAddress: `${local?.address}:${local?.port}`,
           remoteAddress: `${remote?.address}:${remote?.port}` };
});

const throughRelay = (name, { auth, turnArgs, pageCredentials }) => test(name, { timeout: 120000 }, async () => {
  const turn = await startTurn(auth);
  const launchers = [];
  const pages = [];
  const launch = (ns, there, args, launcherName) => {
    const launcher = startLauncher([...args, `--server=http://${there}:${SIGNALLING_PORT}/`, ...turnArgs(there),
                                    '--ice-transport-policy=relay'], { name: launcherName, prefix: inNs(ns) });
    launchers.push(launcher);
    return launcher;
  };
  try {
    const receiver = launch(NS.b, IP.tB, ['--mode=recv', '--sink=fake', '--status-interval=1'], 'receiver-in-B');
    const receiverId = await receiver.localId(STEP_TIMEOUT_MS);
    const sender = launch(NS.a, IP.tA, ['--mode=send', ...SEND, '--call=all'], 'sender-in-A');
    const senderId = await sender.localId(STEP_TIMEOUT_MS);
    const connected = await sender.waitFor('call-connected', `call: connected with ${receiverId}`, STEP_TIMEOUT_MS,
                                           (e) => e.peer === receiverId);
    await receiver.waitFor('status', `received_video_frames >= ${MIN_FRAMES}`, STEP_TIMEOUT_MS,
                           (e) => e.peer === senderId && e.received_video_frames >= MIN_FRAMES);
    console.log(`# launcher A -> launcher B through the relay: connected in ${connected.ms} ms, ${MIN_FRAMES} frames`);
    // Each launcher's selected candidate pair (the element asks libnice: webrtcbin 1.22's stats
    // leave the candidates out): relay at both ends, both relays on coturn (it may allocate either
    // on one of its addresses).
    const coturn = (address) => [IP.tA, IP.tB].some((ip) => address.startsWith(`${ip}:`));
    for (const [launcher, peer] of [[sender, receiverId], [receiver, senderId]]) {
      const pair = await launcher.waitFor('candidate-pair', `call: candidate pair with ${peer}`, STEP_TIMEOUT_MS,
                                          (e) => e.peer === peer);
      console.log(`# ${launcher.name}: local ${pair.local} ${pair.localAddress}, remote ${pair.remote} ${pair.remoteAddress}`);
      assert.deepEqual([pair.local, pair.remote], ['relay', 'relay'], `${launcher.name}: the media goes through the relay`);
      assert.ok(coturn(pair.localAddress) && coturn(pair.remoteAddress),
                `${launcher.name}: relayed on coturn's addresses: ${pair.localAddress} <-> ${pair.remoteAddress}`);
    }

    const { username, credential } = pageCredentials();
    const query = new URLSearchParams({ turn: `turn:${IP.tB}:${TURN_PORT}`, turnUser: username, turnPass: credential,
                                        relay: '1' });
    const page = await openPage(browser, `http://${IP.tB}:${SIGNALLING_PORT}/receiver.html?${query}`,
                                { name: 'receiver.html-in-B' });
    pages.push(page);
    const pageId = await withTimeout(page.socketId, STEP_TIMEOUT_MS, 'page socket id');
    const startedAt = Date.now();
    await sender.waitFor('call-started', `call: started with ${pageId}`, STEP_TIMEOUT_MS, (e) => e.peer === pageId);
    await assertPlays(page, 'otherCamera', startedAt);
    const pair = await selectedPair(page);
    console.log(`# launcher A -> receiver.html in B: selected pair ${JSON.stringify(pair)}`);
    assert.deepEqual([pair?.local, pair?.remote], ['relay', 'relay'], 'the page\'s media goes through the relay');

    for (const launcher of launchers) await launcher.stopAndCheck();
    await turn.stop();
    const permissions = turn.log.filter((l) => /CREATE_PERMISSION processed, success|CHANNEL_BIND processed, success/.test(l));
    const sessions = new Set(turn.log.map((l) => /session (\d+): realm <[^>]*> user <([^>]*)>/.exec(l)?.[1]).filter(Boolean));
    console.log(`# coturn: ${sessions.size} sessions, ${permissions.length} permissions/channels granted`);
    assert.ok(sessions.size >= 3, `coturn saw ${sessions.size} sessions (two launchers and the page at least)`);
    assert.ok(permissions.length >= 3, 'coturn granted permissions for the relayed peers');
  } catch (error) {
    const extra = [...launchers.map((l) => ({ title: `launcher ${l.name}`, lines: l.log.slice(-80) })),
                   { title: 'coturn', lines: turn.log.slice(-80) }];
    console.log(describeFailure({ kind: 'sio-signalling in T', log: signalling.log.slice(-40) }, pages, extra)
      .replace(/^/gm, '# '));
    throw error;
  } finally {
    await closePages(pages);
    await Promise.all(launchers.map((l) => l.kill()));
    await turn.stop();
  }
});

throughRelay('static credentials: launcher -> launcher and launcher -> receiver.html through coturn only', {
  auth: ['--lt-cred-mech', `--user=${USER}:${PASSWORD}`],
  turnArgs: (there) => [`--turn=turn://${USER}:${PASSWORD}@${there}:${TURN_PORT}`],
  pageCredentials: () => ({ username: USER, credential: PASSWORD }),
});

throughRelay('shared secret (--turn-secret): the same, with time-limited credentials', {
  auth: ['--use-auth-secret', `--static-auth-secret=${SECRET}`],
  turnArgs: (there) => [`--turn=turn://${there}:${TURN_PORT}`, `--turn-secret=${SECRET}`],
  pageCredentials: () => {
    const username = String(Math.floor(Date.now() / 1000) + 3600);
    return { username, credential: crypto.createHmac('sha1', SECRET).update(username).digest('base64') };
  },
});
