// Browser call tests: headless Chromium (playwright-core) runs the bundled pages (web/) and the
// chapter's own pages (tests/reference/chapter-pages/) against one signalling server, and checks
// that the receiving side really plays video: <video>.videoWidth > 0 and framesDecoded (getStats,
// inbound-rtp video) rising between two samples a second apart, and that every page got Socket.IO
// events over a WebSocket (not only long-polling).
// Cases: a/a2 classic sender.html -> receiver.html (a2: the sender calls again), b two-way index.html,
// b2/b3 simple-peer/sender.html -> receiver.html (b3: calls again), c1/c2 the chapter's classic pair
// and its two-way index.html.
//
// The server under test is chosen by env SIO_SERVER (ours | node), see lib/browser.js.
//
// Run it inside an lo-only network namespace (tests/interop/netns.sh), so every candidate is
// 127.0.0.1 and nothing reaches the outside:
//   SIO_SERVER=node tests/interop/netns.sh node --test-reporter=spec tests/interop/call.test.js
//   SIO_SERVER=ours SIO_SIGNALLING=build/signalling/sio-signalling tests/interop/netns.sh node ...
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
// Server, Chromium and page helpers shared with element.test.mjs.
const lib = require('./lib/browser.js');
const {
  serverKind, webDir, STEP_TIMEOUT_MS, withTimeout, closePages, videoReady, selectPeer, chapterPagesDir,
  assertPlays, assertUsedWebSocket, describeFailure,
} = lib;

const CASE_TIMEOUT_MS = 60000;

let browser;

before(async () => {
  browser = await lib.launchBrowser();
  console.log(`# server: ${serverKind}, chromium ${browser.version()}`);
});

after(async () => {
  if (browser) await browser.close();
});

const startServer = (publicDir, kind, oursArgs) => lib.startServer(publicDir, kind, oursArgs);
const openPage = (url, options) => lib.openPage(browser, url, options);

// Runs `body(server, pages)` with a server on `publicDir`; closes everything whatever happens and
// prints the server and page logs when the case fails.
const withCall = async (publicDir, body, { kind, oursArgs } = {}) => {
  const server = await startServer(publicDir, kind, oursArgs);
  const pages = [];
  try {
    await body(server, pages);
  } catch (error) {
    console.log(describeFailure(server, pages).replace(/^/gm, '# '));
    throw error;
  } finally {
    await closePages(pages);
    await server.stop();
  }
};

// Classic sender/receiver pair: the receiver selects nothing, the sender selects the receiver.
const classicPair = (dir, { chapter }) => withCall(dir, async (server, pages) => {
  const receiver = await openPage(`${server.baseUrl}receiver.html`, { chapter, name: 'receiver' });
  pages.push(receiver);
  const sender = await openPage(`${server.baseUrl}sender.html`, { chapter, name: 'sender' });
  pages.push(sender);
  const receiverId = await withTimeout(receiver.socketId, STEP_TIMEOUT_MS, 'receiver socket id');
  await videoReady(sender, 'myCamera');  // the chapter's sender needs its stream before calling
  const startedAt = Date.now();
  await selectPeer(sender, receiverId);
  await assertPlays(receiver, 'otherCamera', startedAt);
  assertUsedWebSocket(pages);
});

// Two copies of the two-way simple-peer page: `caller` selects `callee`, both see the other.
const twoWay = (dir, { chapter }) => withCall(dir, async (server, pages) => {
  // "/" is index.html (the landing page) on both servers.
  const callee = await openPage(server.baseUrl, { chapter, name: 'callee' });
  pages.push(callee);
  const caller = await openPage(`${server.baseUrl}index.html`, { chapter, name: 'caller' });
  pages.push(caller);
  const calleeId = await withTimeout(callee.socketId, STEP_TIMEOUT_MS, 'callee socket id');
  await videoReady(callee, 'myCamera');  // both sides send their camera
  await videoReady(caller, 'myCamera');
  const startedAt = Date.now();
  await selectPeer(caller, calleeId);
  await Promise.all([assertPlays(callee, 'otherCamera', startedAt),
                     assertPlays(caller, 'otherCamera', startedAt)]);
  assertUsedWebSocket(pages);
});

// Against the Node server (the reference), our pages run the two basic calls a and b, which show they
// need nothing of our server; their other cases run on our server (the CI run stays under 25 min).
if (serverKind === 'node') console.log('# Node server: w, b2, a2, b3 run on our server only');
const webTest = serverKind === 'node' ? (() => {}) : test;

webTest('w. web/webcam.html shows the camera', { timeout: CASE_TIMEOUT_MS }, () =>
  withCall(webDir, async (server, pages) => {
    const webcam = await openPage(`${server.baseUrl}webcam.html`, { name: 'webcam' });
    pages.push(webcam);
    await videoReady(webcam, 'video');
    const shown = await webcam.page.evaluate(() => {
      const video = document.getElementById('video');
      return { width: video.videoWidth, height: video.videoHeight,
               state: document.getElementById('state').textContent };
    });
    console.log(`# webcam: ${shown.width}x${shown.height}, state "${shown.state}"`);
    assert.equal(shown.state, 'camera on');
  }));

test('a. web/ classic sender.html -> receiver.html', { timeout: CASE_TIMEOUT_MS }, () =>
  classicPair(webDir, { chapter: false }));

test('b. web/ two-way simple-peer index.html', { timeout: CASE_TIMEOUT_MS }, () =>
  twoWay(webDir, { chapter: false }));

webTest('b2. web/ simple-peer/sender.html -> simple-peer/receiver.html', { timeout: CASE_TIMEOUT_MS }, () =>
  withCall(webDir, async (server, pages) => {
    const receiver = await openPage(`${server.baseUrl}simple-peer/receiver.html`, { name: 'sp-receiver' });
    pages.push(receiver);
    const sender = await openPage(`${server.baseUrl}simple-peer/sender.html`, { name: 'sp-sender' });
    pages.push(sender);
    const receiverId = await withTimeout(receiver.socketId, STEP_TIMEOUT_MS, 'receiver socket id');
    const startedAt = Date.now();
    await selectPeer(sender, receiverId);  // before the camera is ready: the page waits for it
    await assertPlays(receiver, 'otherCamera', startedAt);
    assertUsedWebSocket(pages);
  }));

// sio-signalling with --auth-token (whichever server the suite runs against: only ours has it):
// our pages opened with ?token= join and call; opened without, they say they were refused.
test('t. web/ pages with ?token= call through a server with --auth-token; without, they are refused',
  { timeout: CASE_TIMEOUT_MS }, () => withCall(webDir, async (server, pages) => {
    const refused = await openPage(`${server.baseUrl}receiver.html`, { name: 'no-token' });
    pages.push(refused);
    await refused.page.waitForFunction(() => /refused this page/.test(document.getElementById('state').textContent),
                                       null, { timeout: STEP_TIMEOUT_MS, polling: 100 });
    const receiver = await openPage(`${server.baseUrl}receiver.html?token=cam%20s3cret`, { name: 'receiver' });
    pages.push(receiver);
    const sender = await openPage(`${server.baseUrl}sender.html?token=cam%20s3cret`, { name: 'sender' });
    pages.push(sender);
    const receiverId = await withTimeout(receiver.socketId, STEP_TIMEOUT_MS, 'receiver socket id');
    await videoReady(sender, 'myCamera');
    const startedAt = Date.now();
    await selectPeer(sender, receiverId);
    await assertPlays(receiver, 'otherCamera', startedAt);
    assert.match(server.log.join('\n'), /CONNECT without a token.*refused \(unauthorized\)/);
  }, { kind: 'ours', oursArgs: ['--auth-token=cam s3cret'] }));

// The sender hangs up and calls again: the receiver must replace its connection with a new one
// (our pages; the chapter's receiver does too, but leaks the old one).
const callAgain = (dir, { senderPath, receiverPath }) => withCall(dir, async (server, pages) => {
  const receiver = await openPage(`${server.baseUrl}${receiverPath}`, { name: 'receiver' });
  pages.push(receiver);
  const sender = await openPage(`${server.baseUrl}${senderPath}`, { name: 'sender' });
  pages.push(sender);
  const receiverId = await withTimeout(receiver.socketId, STEP_TIMEOUT_MS, 'receiver socket id');
  let startedAt = Date.now();
  await selectPeer(sender, receiverId);
  await assertPlays(receiver, 'otherCamera', startedAt);
  await sender.page.selectOption('#peerSelect', 'none');
  startedAt = Date.now();
  await selectPeer(sender, receiverId);
  await receiver.page.waitForFunction(() => {
    const pcs = window.__peerConnections;
    return pcs.length === 2 && pcs[0].connectionState === 'closed' && pcs[1].connectionState === 'connected';
  }, null, { timeout: STEP_TIMEOUT_MS, polling: 100 });
  await assertPlays(receiver, 'otherCamera', startedAt);
  assertUsedWebSocket(pages);
});

webTest('a2. web/ classic: the sender calls again, the receiver replaces its connection',
     { timeout: CASE_TIMEOUT_MS }, () =>
  callAgain(webDir, { senderPath: 'sender.html', receiverPath: 'receiver.html' }));

webTest('b3. web/ simple-peer: the sender calls again, the receiver replaces its peer',
     { timeout: CASE_TIMEOUT_MS }, () =>
  callAgain(webDir, { senderPath: 'simple-peer/sender.html', receiverPath: 'simple-peer/receiver.html' }));

test('c1. chapter pages: classic sender.html -> receiver.html', { timeout: CASE_TIMEOUT_MS }, () =>
  classicPair(chapterPagesDir(), { chapter: true }));

test('c2. chapter pages: two-way simple-peer index.html', { timeout: CASE_TIMEOUT_MS }, () =>
  twoWay(chapterPagesDir(), { chapter: true }));
