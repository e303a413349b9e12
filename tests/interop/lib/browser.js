// What the browser interop tests share (call.test.js: page to page; element.test.mjs: page to
// pipeline): the signalling server under test, headless Chromium with a fake camera, page helpers
// (open, pick a peer, wait for video) and the check that a page really plays video.
//
// CommonJS so that call.test.js (CommonJS) can require it and element.test.mjs can import it.
//
// The server under test is chosen by env SIO_SERVER:
//   ours  spawn $SIO_SIGNALLING --port 0 --public=DIR   (the sio-signalling binary)
//   node  spawn tests/reference/server.js with PORT=0 PUBLIC_DIR=DIR (the chapter's Node server)
// Both print `listening on http://127.0.0.1:<port>/`, which gives the base URL.
'use strict';

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { chromium } = require('playwright-core');

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const webDir = path.join(repoRoot, 'web');
const referenceServer = path.join(repoRoot, 'tests', 'reference', 'server.js');
const simplePeerFile = require.resolve('simple-peer/simplepeer.min.js');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

const serverKind = process.env.SIO_SERVER || 'node';
const STEP_TIMEOUT_MS = 25000;     // one wait inside a case (page ready, select filled, video playing)
const SERVER_START_TIMEOUT_MS = 10000;
const FRAME_SAMPLE_GAP_MS = 1000;

// The chapter's pages load simple-peer 9.7.2 from cdnjs with an SRI hash. 9.7.2 throws in current
// Chromium (its default ICE list has a STUN URL Chromium rejects, NOTES-webrtc.md) and there is no
// network here, so openPage({chapter: true}) answers that URL (page routing) with node_modules'
// 9.11.1, with the ACAO header its crossorigin="anonymous" fetch needs (call.test.js serves a copy
// of the chapter's pages without the `integrity` attribute, which 9.11.1 would not match).
const CDN_SIMPLE_PEER = 'https://cdnjs.cloudflare.com/ajax/libs/simple-peer/9.7.2/simplepeer.min.js';

// Every RTCPeerConnection a page creates, so getStats can be read from outside; the pages keep
// theirs in module scope (the chapter's too, and simple-peer's inside the library). Runs before
// any page script, again after every reload.
const capturePeerConnections = () => {
  const Native = window.RTCPeerConnection;
  const created = [];
  Object.defineProperty(window, '__peerConnections', { value: created });
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      created.push(this);
    }
  };
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const withTimeout = (promise, ms, what) => {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

// ---------------------------------------------------------------------------------------------
// Child processes

// Children still running when this process exits (a case that timed out mid-way) are killed, so
// none keeps the test's pipes, and so meson, waiting.
const liveChildren = new Set();
process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});
const trackChild = (child) => {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  return child;
};

// Calls onLine(line, streamName) for every complete line the child writes.
const readLines = (child, onLine) => {
  for (const [stream, name] of [[child.stdout, 'out'], [child.stderr, 'err']]) {
    if (!stream) continue;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop();
      for (const line of lines) onLine(line, name);
    });
  }
};

// SIGTERM, then SIGKILL after graceMs; resolves with {code, signal}.
const stopChild = async (child, exited, graceMs = 3000) => {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const result = await Promise.race([exited, sleep(graceMs).then(() => null)]);
  if (result) return result;
  child.kill('SIGKILL');
  return exited;
};

// ---------------------------------------------------------------------------------------------
// The server under test

// `oursArgs`: more options for sio-signalling (the Node server takes none). `port`: 0 for an
// ephemeral one, else that port (a server started again where it was).
const startServer = async (publicDir, kind = serverKind, oursArgs = [], { port = 0 } = {}) => {
  let child;
  if (kind === 'ours') {
    const binary = process.env.SIO_SIGNALLING;
    assert.ok(binary, 'SIO_SERVER=ours needs SIO_SIGNALLING=/path/to/sio-signalling');
    assert.ok(fs.existsSync(binary), `SIO_SIGNALLING does not exist: ${binary}`);
    child = spawn(binary, ['--port', String(port), `--public=${publicDir}`, ...oursArgs],
                  { stdio: ['ignore', 'pipe', 'pipe'] });
  } else if (kind === 'node') {
    child = spawn(process.execPath, [referenceServer], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PORT: String(port), PUBLIC_DIR: publicDir },
    });
  } else {
    throw new Error(`SIO_SERVER must be "ours" or "node", not "${kind}"`);
  }

  trackChild(child);
  const log = [];  // every line the server printed, shown when a case fails
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const baseUrl = await withTimeout(new Promise((resolve, reject) => {
    readLines(child, (line, name) => {
      log.push(`${name}: ${line}`);
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line);
      if (match) resolve(match[1]);
    });
    child.once('error', reject);
    exited.then(({ code, signal }) =>
      reject(new Error(`server exited before listening (code ${code}, signal ${signal}):\n${log.join('\n')}`)));
  }), SERVER_START_TIMEOUT_MS, `server start (${kind})`);

  // kill(): as `kill -9`, nothing said to the clients.
  const kill = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  // signal('SIGSTOP') / signal('SIGCONT'): a server that hangs and comes back.
  const signal = (name) => child.kill(name);
  return { kind, baseUrl, log, stop: () => stopChild(child, exited), kill, signal };
};

// ---------------------------------------------------------------------------------------------
// Chromium

const chromiumArgs = [
  '--allow-loopback-in-peer-connection',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// launch() gives Chromium a fresh temporary --user-data-dir of its own and removes it on close
// (playwright refuses a --user-data-dir in args for launch()). `executablePath`: a wrapper that
// runs Chromium elsewhere (e.g. in a network namespace with `ip netns exec`).
const launchBrowser = ({ executablePath = chromiumPath } = {}) =>
  chromium.launch({ executablePath, headless: true, args: chromiumArgs });

// One browser context per page: separate profiles, as two windows of two people would be.
// `viewport`: {width, height} of the window (playwright's default is 1280x720). `init`: [fn, arg],
// one more script to run before the page's own (e.g. a camera that fails).
const openPage = async (browser, url, { chapter = false, name, viewport, init }) => {
  const context = await browser.newContext(viewport ? { viewport } : {});
  await context.addInitScript(capturePeerConnections);
  if (init) await context.addInitScript(...init);
  if (chapter) {
    await context.route(CDN_SIMPLE_PEER, (route) => route.fulfill({
      status: 200,
      contentType: 'application/javascript',
      headers: { 'access-control-allow-origin': '*' },
      body: fs.readFileSync(simplePeerFile),
    }));
  }
  const page = await context.newPage();
  const record = { name, page, context, chapter, logs: [], errors: [], socketIds: [], connectIds: [],
                   websocketEvents: 0, websocketUpgraded: false };
  // socket.io upgrades to a WebSocket: count the events (Socket.IO EVENT packets, "42[...")
  // that arrive on it, so a case cannot pass on long-polling alone without anyone noticing.
  page.on('websocket', (ws) => {
    ws.on('framereceived', (frame) => {
      if (String(frame.payload).startsWith('42')) record.websocketEvents++;
    });
    // Engine.IO's upgrade packet: from here the session runs on this WebSocket.
    ws.on('framesent', (frame) => {
      if (String(frame.payload) === '5') record.websocketUpgraded = true;
    });
  });
  page.on('response', (response) => {
    if (response.status() >= 400) record.logs.push(`http ${response.status()}: ${response.url()}`);
  });
  page.on('requestfailed', (request) =>
    record.logs.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  // The first console.log of every page load (ours and the chapter's) is its socket id; a reload
  // logs the next one (record.socketIds, nextSocketId).
  let idLogged = false;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) idLogged = false;
  });
  record.socketId = new Promise((resolve) => {
    page.on('console', (message) => {
      const text = message.text();
      record.logs.push(`${message.type()}: ${text}`);
      // Both page sets log socket.id on every connect, a reconnection's too.
      if (message.type() === 'log' && /^[\w-]{16,32}$/.test(text)) record.connectIds.push(text);
      if (message.type() === 'log' && !idLogged) {
        idLogged = true;
        record.socketIds.push(text);
        resolve(text);
      }
    });
  });
  page.on('pageerror', (error) => record.errors.push(String(error)));
  await page.goto(url, { timeout: STEP_TIMEOUT_MS });
  return record;
};

// The chapter's pages as a server can serve them offline: a temporary copy with the SRI
// `integrity` attribute removed (see CDN_SIMPLE_PEER), made once per process and removed at exit.
// Open them with openPage(..., {chapter: true}) so the CDN URL is answered.
let chapterCopyDir;
const chapterPagesDir = () => {
  if (chapterCopyDir) return chapterCopyDir;
  const source = path.join(repoRoot, 'tests', 'reference', 'chapter-pages');
  chapterCopyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chapter-pages-'));
  for (const name of fs.readdirSync(source)) {
    if (!name.endsWith('.html')) continue;
    const html = fs.readFileSync(path.join(source, name), 'utf8');
    fs.writeFileSync(path.join(chapterCopyDir, name), html.replace(/\s+integrity="[^"]*"/g, ''));
  }
  process.on('exit', () => fs.rmSync(chapterCopyDir, { recursive: true, force: true }));
  return chapterCopyDir;
};

// The page's socket id once it is not `notThis` (after a reload: the new one).
const nextSocketId = async (record, notThis = '') => {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const id = record.socketIds[record.socketIds.length - 1];
    if (id && id !== notThis) return id;
    if (Date.now() > deadline) throw new Error(`${record.name}: no socket id other than '${notThis}' logged`);
    await sleep(50);
  }
};

// simple-peer's `connect`: ICE connected and its data channel open. Our index.html says so in its
// state line; the chapter's shows nothing, so its connection's SCTP transport is asked.
const simplePeerConnected = (record) => record.page.waitForFunction(
  (chapter) => (chapter
    ? window.__peerConnections.some((pc) => pc.connectionState === 'connected' && pc.sctp?.state === 'connected')
    : document.getElementById('state').textContent === 'connected'),
  record.chapter, { timeout: STEP_TIMEOUT_MS, polling: 100 });

const closePages = async (records) => {
  for (const record of records) {
    await record.context.close().catch(() => {});
  }
};

const videoReady = (record, videoId) => record.page.waitForFunction(
  (id) => {
    const video = document.getElementById(id);
    return video !== null && video.videoWidth > 0;
  },
  videoId, { timeout: STEP_TIMEOUT_MS, polling: 100 });

// Waits until the page's <select> lists `peerId`, then picks it; selectOption fires `input` (the
// chapter listens to it) and `change`.
const selectPeer = async (record, peerId) => {
  await record.page.waitForFunction(
    (id) => [...document.querySelectorAll('#peerSelect option')].some((o) => o.value === id),
    peerId, { timeout: STEP_TIMEOUT_MS, polling: 100 });
  await record.page.selectOption('#peerSelect', peerId);
};

// framesDecoded of the page's live connections, plus what the video element shows and which
// candidate pair carries the media.
const sampleVideo = (record, videoId) => record.page.evaluate(async (id) => {
  const video = document.getElementById(id);
  const sample = {
    videoWidth: video.videoWidth,
    videoHeight: video.videoHeight,
    framesDecoded: 0,
    codecs: [],
    connectionStates: [],
    pair: '',
  };
  for (const pc of window.__peerConnections) {
    sample.connectionStates.push(pc.connectionState);
    if (pc.connectionState === 'closed') continue;
    const stats = await pc.getStats();
    stats.forEach((report) => {
      if (report.type === 'inbound-rtp' && report.kind === 'video') {
        sample.framesDecoded += report.framesDecoded || 0;
        const codec = report.codecId && stats.get(report.codecId);
        if (codec) sample.codecs.push(codec.mimeType);
      }
      if (report.type === 'transport' && report.selectedCandidatePairId) {
        const pair = stats.get(report.selectedCandidatePairId);
        const local = pair && stats.get(pair.localCandidateId);
        const remote = pair && stats.get(pair.remoteCandidateId);
        if (local && remote) {
          sample.pair = `${local.address}:${local.port}/${local.protocol} <-> ` +
                        `${remote.address}:${remote.port}/${remote.protocol}`;
        }
      }
    });
  }
  return sample;
}, videoId);

// The receiving side plays: a picture of real size, and the decoder keeps decoding. Returns the
// second sample (codecs, pair) and the time to the first picture.
const assertPlays = async (record, videoId, startedAt) => {
  await videoReady(record, videoId);
  const firstFrameMs = Date.now() - startedAt;
  // getStats() can lag the <video> element by a frame or two (Chromium caches stats briefly):
  // right after the first picture, framesDecoded may still read 0. Give it a bounded moment.
  let first = await sampleVideo(record, videoId);
  for (let i = 0; i < 20 && first.framesDecoded === 0; i++) {
    await sleep(50);
    first = await sampleVideo(record, videoId);
  }
  await sleep(FRAME_SAMPLE_GAP_MS);
  const second = await sampleVideo(record, videoId);
  console.log(`# ${record.name}: ${second.videoWidth}x${second.videoHeight}, framesDecoded ` +
              `${first.framesDecoded} -> ${second.framesDecoded} in ${FRAME_SAMPLE_GAP_MS} ms, ` +
              `first picture ${firstFrameMs} ms after the call started, ` +
              `codecs [${second.codecs}], pc states [${second.connectionStates}], pair ${second.pair}`);
  assert.ok(second.videoWidth > 0, `${record.name}: videoWidth is 0`);
  assert.ok(first.framesDecoded > 0, `${record.name}: no frame decoded`);
  assert.ok(second.framesDecoded > first.framesDecoded,
            `${record.name}: framesDecoded stuck at ${first.framesDecoded}`);
  return { ...second, firstFrameMs };
};

const assertUsedWebSocket = (records) => {
  for (const record of records) {
    console.log(`# ${record.name}: ${record.websocketEvents} Socket.IO events received over the WebSocket` +
                `${record.websocketUpgraded ? ', upgraded' : ''}`);
    // A call can be over before the upgrade (the launcher calls a page the moment it connects):
    // then the completed upgrade is the proof that the session moved to the WebSocket.
    assert.ok(record.websocketEvents > 0 || record.websocketUpgraded,
              `${record.name}: no Socket.IO event came over a WebSocket and it never upgraded`);
  }
};

// The video inbound-rtp figures of the page's latest RTCPeerConnection (lossy-link cases): frames,
// NACKs sent, PLIs, losses left after retransmission, packets recovered (RTX), freezes.
const inboundVideoStats = (record) => record.page.evaluate(async () => {
  const pc = window.__peerConnections[window.__peerConnections.length - 1];
  const stats = await pc.getStats();
  let video;
  stats.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') video = r; });
  return video && {
    framesDecoded: video.framesDecoded, nackCount: video.nackCount, pliCount: video.pliCount,
    packetsLost: video.packetsLost, packetsReceived: video.packetsReceived,
    retransmitted: video.retransmittedPacketsReceived ?? null, freezeCount: video.freezeCount ?? 0,
    freezeSeconds: video.totalFreezesDuration ?? 0,
  };
});

// The server's and the pages' last log lines (plus any extra sections), for a failing case.
const describeFailure = (server, records, extra = []) => {
  const lines = [`--- server (${server.kind}) log:`, ...server.log.slice(-60)];
  for (const record of records) {
    lines.push(`--- page ${record.name} console:`, ...record.logs.slice(-40));
    if (record.errors.length) lines.push(`--- page ${record.name} errors:`, ...record.errors);
  }
  for (const { title, lines: more } of extra) lines.push(`--- ${title}:`, ...more);
  return lines.join('\n');
};

module.exports = {
  inboundVideoStats,
  repoRoot,
  webDir,
  serverKind,
  chromiumPath,
  chromiumArgs,
  STEP_TIMEOUT_MS,
  FRAME_SAMPLE_GAP_MS,
  sleep,
  withTimeout,
  trackChild,
  readLines,
  stopChild,
  startServer,
  launchBrowser,
  openPage,
  closePages,
  nextSocketId,
  simplePeerConnected,
  chapterPagesDir,
  videoReady,
  selectPeer,
  sampleVideo,
  assertPlays,
  assertUsedWebSocket,
  describeFailure,
};
