// sio-webrtc (env SIO_WEBRTC) end to end: headless Chromium (fake camera) runs the bundled pages
// (web/) against the launcher, and launchers call each other. Pages are checked as the element
// tests do (videoWidth > 0, framesDecoded rising, lib/browser.js); the launcher by its stdout
// contract (lib/launcher.js): call lines, status and summary counters, exit code 0 on SIGTERM or
// after --duration.
//
// SIO_SERVER picks the signalling server:
//   ours  a, b, c use the launcher's embedded server (--port=0, the pages it serves and names in
//         its `open` line); d runs a separate sio-signalling (env SIO_SIGNALLING) and --server=
//   node  every case joins the chapter's Node server (tests/reference/server.js) with --server=
// Cases:
//   a1/a2  --mode=send --call=auto (VP8 / H.264): receiver.html plays the video; closing the page
//          ends the call
//   b      sender.html calls --mode=recv --sink=FILE.mkv --duration=N: the launcher exits 0, the
//          file has a video stream (gst-discoverer-1.0) that decodes to >= 60 frames (sio-peer,
//          env SIO_PEER), and the summary counts >= 60 received frames
//   b2     the recorder takes a second call with video only after the first: the file keeps the
//          first call, counting goes on, the stop is immediate
//   c1/c2  --mode=both (simple-peer) and index.html, the page calls (c1) / the launcher calls
//          (c2, --call=auto): the page plays, simple-peer connects, the launcher counts received
//          frames
//   c3     index.html calls --mode=both --codec=h264: the page plays the answering launcher's H.264
//   d      two --mode=both launchers (one --call=auto) through one server with --server=: both
//          count received video frames
//   d2     classic dialect: --mode=send --call=<the receiver's id> calls a --mode=recv launcher
//   f      a launcher with no usable interface (no --ice-address, loopback-only namespace): after
//          10 s both ends print why the call does not connect
//   g      --sink=auto with DISPLAY set (Xvfb): the received video opens a 320x240 window
//   h1/h2  (h1 ours on our server, h2 the chapter's on the Node server: 40 s each, not twice)
//          --mode=send --call=all, six receiver.html pages (ours / the chapter's verbatim one) opened
//          one after another all play from one video and one audio encoder; closing pages 2 and 4
//          leaves the others playing; a 7th page's first picture comes <= 1.5 s after its call
//          connected
//   i1/i2  (i1 on our server, i2 on the Node server) three index.html pages (ours / the chapter's)
//          call --mode=both --max-calls=3
//          --sink=FILE.mkv: each page plays the launcher's video, the launcher counts each page's
//          frames (status-call lines), the file holds the composed picture (three places lit, the
//          fourth black) and decodes
//   h3     --max-calls=3: the 4th page is not called, the launcher's warning names it; when a
//          page leaves, the 4th is called and plays
//   j      kill -9 of sio-signalling under two launchers in a call, restart (ours only)
//   k1/k2  receiver.html (ours / the chapter's) through a kill -9 and restart of sio-signalling; k2
//          also a 30 s SIGSTOP, then the page closed while the server is down: the call ends
//          within 15 s (ours only)
//   l      an offer that never connects, then a real caller: the real call takes its place
//   e      bad options and missing pieces: exit 2 with a message naming the option, device or
//          Debian package; an unreachable --server: exit 1 (no browser)
// a1-c3 and h3 run twice: against our pages (web/) and, "[chapter's page]", against the chapter's verbatim
// ones (tests/reference/chapter-pages), which is what users have.
// Run inside an lo-only network namespace (tests/interop/netns.sh), as meson does:
//   meson test -C <build> --suite launcher
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import browserLib from '../interop/lib/browser.js';
import pipelineLib from '../interop/lib/pipeline.js';
import launcherLib from './lib/launcher.js';

const {
  serverKind, webDir, STEP_TIMEOUT_MS, withTimeout, launchBrowser, startServer, openPage, closePages,
  videoReady, selectPeer, assertPlays, assertUsedWebSocket, describeFailure, sleep, sampleVideo, chapterPagesDir,
  simplePeerConnected,
} = browserLib;
const { startPipeline } = pipelineLib;
const { startLauncher, runLauncher } = launcherLib;

const CASE_TIMEOUT_MS = 90000;
const START_TIMEOUT_MS = 15000;  // launcher start -> listening / connected
const MIN_FILE_FRAMES = 60;
const MIN_CALL_FRAMES = 30;
// --duration counts from the launcher's start: page load and call set-up (4 s on a loaded CI
// machine) come out of it, leaving about 120 frames at 30 fps, twice MIN_FILE_FRAMES.
const RECORD_SECONDS = 8;
const embedded = serverKind === 'ours';

// libnice gathers no loopback address unless told; a small picture leaves the two cores to Chromium.
const COMMON = ['--ice-address=127.0.0.1', '--status-interval=1'];
const SEND = ['--video=test', '--audio=test', '--width=320', '--height=240', '--fps=30'];

let browser;

before(async () => {
  browser = await launchBrowser();
  console.log(`# server: ${embedded ? 'embedded (ours)' : serverKind}, chromium ${browser.version()}`);
});

after(async () => {
  if (browser) await browser.close();
});

// Runs body(context); closes pages, stops launchers and servers whatever happens, and prints the
// server, page and launcher logs when the case fails. Every launcher still running when the body
// ends must stop on SIGTERM with exit 0.
//   context.launch(args, name)     a launcher; the server option is added: --port=0 (embedded) or
//                                  --server=URL (separate server)
//   context.pageUrl(launcher, page) the page's URL on the server the launcher uses
//   context.open(url, name)        a Chromium page
// separateServer: start a server even with SIO_SERVER=ours (case d).
// publicDir: the pages the server serves (the embedded one gets --public=); chapter: they are the
// chapter's verbatim pages (context.open answers their CDN simple-peer URL).
const withLauncherCall = async (body, { separateServer = false, publicDir = webDir, chapter = false } = {}) => {
  const server = !embedded || separateServer ? await startServer(publicDir) : null;
  const pages = [];
  const launchers = [];
  const context = {
    launch: (args, name = 'sio-webrtc', { common = COMMON, env = {} } = {}) => {
      const serverArgs = server ? [`--server=${server.baseUrl}`]
                                : ['--port=0', ...(publicDir !== webDir ? [`--public=${publicDir}`] : [])];
      const launcher = startLauncher([...args, ...serverArgs, ...common], { name, env });
      launchers.push(launcher);
      return launcher;
    },
    // With the embedded server the launcher names the page to open: check that it is `page`.
    pageUrl: async (launcher, page) => {
      if (server) return `${server.baseUrl}${page}`;
      const base = await launcher.baseUrl(START_TIMEOUT_MS);
      assert.match(base, /^http:\/\/127\.0\.0\.1:\d+\/$/, `${launcher.name}: listening line`);
      const open = await launcher.waitFor('open', 'open URL', START_TIMEOUT_MS);
      assert.equal(open.url, `${base}${page}`, `${launcher.name}: the page to open`);
      return open.url;
    },
    open: async (url, name, { init } = {}) => {
      const record = await openPage(browser, url, { name, chapter, init });
      pages.push(record);
      return record;
    },
    stopped: new Map(),  // launcher -> its summary, for launchers the body stopped itself
  };
  try {
    await body(context);
    for (const launcher of launchers) {
      if (!context.stopped.has(launcher)) await launcher.stopAndCheck();
    }
  } catch (error) {
    const extra = launchers.map((l) => ({ title: `launcher ${l.name}`, lines: l.log.slice(-150) }));
    const serverInfo = server || { kind: 'embedded', log: ['(the launcher log has it)'] };
    console.log(describeFailure(serverInfo, pages, extra).replace(/^/gm, '# '));
    throw error;
  } finally {
    await closePages(pages);
    await Promise.all(launchers.map((l) => l.kill()));
    if (server) await server.stop();
  }
};

const callStarted = async (launcher, peerId, role) => {
  const started = await launcher.waitFor('call-started', `call: started with ${peerId}`, STEP_TIMEOUT_MS,
                                         (e) => e.peer === peerId);
  assert.equal(started.role, role, `${launcher.name}: expected "call: started with ${peerId} (${role})"`);
  return started;
};

const callConnected = (launcher, peerId) => launcher.waitFor(
  'call-connected', `call: connected with ${peerId}`, STEP_TIMEOUT_MS, (e) => e.peer === peerId);

const receivedFrames = (launcher, frames, peerId) => launcher.waitFor(
  'status', `a status line with peer=${peerId} received_video_frames >= ${frames}`, STEP_TIMEOUT_MS,
  (e) => e.peer === peerId && e.received_video_frames >= frames);

const sentFrames = (launcher, frames) => launcher.waitFor(
  'status', `a status line with sent_video_frames >= ${frames}`, STEP_TIMEOUT_MS,
  (e) => e.sent_video_frames >= frames);

// A status line of the call with `peerId` that shows media going out (frames are counted before
// the payloader, so only the bitrate says that they leave).
const sending = (launcher, peerId) => launcher.waitFor(
  'status', `a status line with peer=${peerId} send_kbps > 0`, STEP_TIMEOUT_MS,
  (e) => e.peer === peerId && e.send_kbps > 0);

const pageSocketId = (record) => withTimeout(record.socketId, STEP_TIMEOUT_MS, `${record.name} socket id`);

// withLauncherCall's options for the chapter's verbatim pages (or ours).
const pageSet = (chapter) => (chapter ? { publicDir: chapterPagesDir(), chapter: true } : {});

// Every call case with a page runs against our pages and against the chapter's verbatim ones
// (what users have).
// Against the chapter's Node server, the chapter's pages only: that pair is what the chapter's users
// run, and our pages are served by our server (the whole CI run must stay under 25 minutes).
// Cases about a launcher feature the server plays no part in beyond relaying, as a1/b/c1/c2 already
// do against it (a codec, a recording, max-calls, a bad offer): `oursOnly`, run on our server with
// both page sets, not again on the Node server (the whole CI run must stay under 25 minutes).
const bothPageSets = (name, body, { oursOnly = false, ...options } = { timeout: CASE_TIMEOUT_MS }) => {
  if (serverKind !== 'node') test(name, options, () => body(false));
  if (serverKind !== 'node' || !oursOnly) test(`${name} [chapter's page]`, options, () => body(true));
};
const OURS_ONLY = { oursOnly: true, timeout: CASE_TIMEOUT_MS };
if (serverKind === 'node') {
  console.log('# Node server: the call cases run with the chapter\'s pages (ours run on our server); a2, b2, c3, ' +
              'h3 and l (launcher features the server only relays for) run on our server only');
}

const logSummary = (launcher, summary) =>
  console.log(`# ${launcher.name} summary: ${Object.entries(summary).filter(([k]) => k !== 'type' && k !== 't_ms')
    .map(([k, v]) => `${k}=${v}`).join(' ')}`);

// --- a. the launcher sends, receiver.html plays

const launcherCallsReceiver = (codec, mime, chapter) => withLauncherCall(async ({ launch, pageUrl, open, stopped }) => {
  const launcher = launch(['--mode=send', '--call=auto', ...SEND, `--codec=${codec}`], `send-${codec}`);
  const receiver = await open(await pageUrl(launcher, 'receiver.html'), 'receiver');
  const receiverId = await pageSocketId(receiver);
  const startedAt = Date.now();
  await callStarted(launcher, receiverId, 'calling');
  const played = await assertPlays(receiver, 'otherCamera', startedAt);
  assert.ok(played.codecs.some((c) => c.toLowerCase() === mime.toLowerCase()),
            `receiver decodes [${played.codecs}], not ${mime}`);
  const connected = await callConnected(launcher, receiverId);
  await sentFrames(launcher, MIN_CALL_FRAMES);
  await sending(launcher, receiverId);
  assertUsedWebSocket([receiver]);

  // The viewer leaves: the call ends (the launcher keeps running, waiting for the next one).
  await receiver.context.close();
  const ended = await launcher.waitFor('call-ended', `call: ended with ${receiverId}`, STEP_TIMEOUT_MS,
                                       (e) => e.peer === receiverId);
  console.log(`# call with ${receiverId} ended (${ended.reason}) when the page closed`);

  const summary = await launcher.stopAndCheck();
  stopped.set(launcher, summary);
  logSummary(launcher, summary);
  console.log(`# call connected in ${connected.ms} ms (launcher), first picture ${played.firstFrameMs} ms`);
  assert.ok(summary.sent_video_frames >= MIN_CALL_FRAMES, `sent_video_frames=${summary.sent_video_frames}`);
  assert.equal(summary.received_video_frames, 0, '--mode=send received video');
  assert.ok(summary.call_setup_ms > 0, `call_setup_ms=${summary.call_setup_ms}`);
}, pageSet(chapter));

bothPageSets('a1. --mode=send --call=auto (VP8): receiver.html plays', (chapter) =>
  launcherCallsReceiver('vp8', 'video/VP8', chapter));

bothPageSets('a2. --mode=send --call=auto --codec=h264: receiver.html plays', (chapter) =>
  launcherCallsReceiver('h264', 'video/H264', chapter), OURS_ONLY);

// --- b. sender.html calls the launcher, which records to a file

const run = (file, args, timeoutMs = 20000) => new Promise((resolve, reject) => {
  execFile(file, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
    if (error) reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stdout}\n${stderr}`));
    else resolve(String(stdout));
  });
});

// gst-discoverer-1.0 (Debian gstreamer1.0-plugins-base-apps) finds a video stream and a duration
// of seconds (a file whose muxer never saw EOS has no real duration). Without the tool only the
// decode below checks the file: say so.
const assertDiscovered = async (file) => {
  let discovered;
  try {
    discovered = await run('gst-discoverer-1.0', [file]);
  } catch (error) {
    if (/ENOENT/.test(error.message)) {
      console.log('# gst-discoverer-1.0 is not installed (gstreamer1.0-plugins-base-apps): decode check only');
      return;
    }
    throw error;
  }
  console.log(`# gst-discoverer-1.0:\n${discovered.trim().split('\n').filter((l) => !/Stream ID/.test(l))
    .join('\n').replace(/^/gm, '#   ')}`);
  assert.match(discovered, /^\s*video( #\d+)?: /m, 'gst-discoverer-1.0 finds no video stream');
  const duration = /Duration: (\d+):(\d+):([\d.]+)/.exec(discovered);
  assert.ok(duration, 'gst-discoverer-1.0 gives no duration');
  const seconds = Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]);
  assert.ok(seconds >= 2, `the file lasts ${seconds} s`);
};

// Decodes the file's first video stream to the end with sio-peer; resolves the frame count.
const decodedFrames = async (file) => {
  const decoder = startPipeline(`filesrc location=${file} ! matroskademux name=d ` +
                                'd.video_0 ! queue ! decodebin ! fakesink name=vcount', { name: 'decode-file' });
  try {
    await decoder.waitFor((e) => e.event === 'eos', 'EOS of the file', 30000);
    await decoder.stopAndCheck();
  } catch (error) {
    console.log(decoder.log.slice(-40).join('\n').replace(/^/gm, '# '));
    throw error;
  }
  const caps = decoder.events.filter((e) => e.event === 'caps' && e.element === 'vcount').pop();
  assert.match(caps?.caps || '', /^video\/x-raw/, 'the file does not decode to raw video');
  return decoder.latestStats().video_frames;
};

bothPageSets('b. sender.html calls --mode=recv --sink=FILE.mkv --duration: the file holds the video', async (chapter) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sio-webrtc-'));
  const file = path.join(dir, 'call.mkv');
  try {
    await withLauncherCall(async ({ launch, pageUrl, open, stopped }) => {
      const launcher = launch(['--mode=recv', `--sink=${file}`, `--duration=${RECORD_SECONDS}`], 'recv-file');
      const url = await pageUrl(launcher, 'sender.html');
      const launcherId = await launcher.localId(START_TIMEOUT_MS);
      const sender = await open(url, 'sender');
      const senderId = await pageSocketId(sender);
      await videoReady(sender, 'myCamera');
      await selectPeer(sender, launcherId);
      await callStarted(launcher, senderId, 'answering');
      await callConnected(launcher, senderId);
      assertUsedWebSocket([sender]);

      // --duration ends the launcher by itself (EOS: the file is finalised). No wait for a status
      // line first: --duration may end the run before the next one; the summary below is the count.
      const summary = await launcher.waitExit(RECORD_SECONDS * 1000 + 15000);
      stopped.set(launcher, summary);
      logSummary(launcher, summary);
      assert.ok(summary.received_video_frames >= MIN_FILE_FRAMES,
                `summary received_video_frames=${summary.received_video_frames}`);
      assert.equal(summary.sent_video_frames, 0, '--mode=recv sent video');
    }, pageSet(chapter));

    assert.ok(fs.existsSync(file), `${file} was not written`);
    const size = fs.statSync(file).size;
    console.log(`# ${file}: ${size} bytes`);
    await assertDiscovered(file);
    const frames = await decodedFrames(file);
    console.log(`# ${frames} video frames decoded from the file`);
    assert.ok(frames >= MIN_FILE_FRAMES, `only ${frames} video frames in the file`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// --- b2. the recording is the first call: a second call with other streams neither stalls nor
// spoils it, and a stop during that call is immediate (no EOS time-out)

if (serverKind !== 'node') test('b2. --sink=FILE.mkv keeps the first call; a second call with fewer streams does not block the stop',
     { timeout: CASE_TIMEOUT_MS }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sio-webrtc-b2-'));
  const file = path.join(dir, 'first-call.mkv');
  try {
    await withLauncherCall(async ({ launch, stopped }) => {
      const recorder = launch(['--mode=recv', `--sink=${file}`], 'recorder');
      const recorderId = await recorder.localId(START_TIMEOUT_MS);
      const first = launch(['--mode=send', ...SEND, `--call=${recorderId}`], 'first');
      const firstId = await first.localId(START_TIMEOUT_MS);
      await receivedFrames(recorder, MIN_FILE_FRAMES + 30, firstId);  // a first call of about 3 s
      stopped.set(first, await first.stopAndCheck());
      await recorder.waitFor((e) => e.type === 'call-ended' && e.peer === firstId, 'the first call ends',
                             START_TIMEOUT_MS);
      // Video only this time: the recording's audio stream gets nothing.
      const second = launch(['--mode=send', ...SEND.filter((a) => !a.startsWith('--audio')), '--audio=none',
                             `--call=${recorderId}`], 'second');
      const secondId = await second.localId(START_TIMEOUT_MS);
      const before = recorder.events.filter((e) => e.type === 'status').length;
      await recorder.waitFor((e) => e.type === 'call-connected' && e.peer === secondId, 'the second call',
                             START_TIMEOUT_MS);
      // Still counting during the second call (nothing blocked behind the finished file).
      await recorder.waitFor((e) => e.type === 'status' && recorder.events.indexOf(e) > before + 1 &&
                             e.peer === secondId && e.received_video_frames > 0, 'status lines of the second call',
                             START_TIMEOUT_MS);
      const summary = await recorder.stopAndCheck();
      stopped.set(recorder, summary);
      logSummary(recorder, summary);
      assert.ok(!recorder.log.some((l) => /EOS did not come through/.test(l)), 'the stop waited for EOS in vain');
      assert.ok(recorder.log.some((l) => /recording: .*first-call\.mkv finished \(the call ended\)/.test(l)),
                'the recording ends with the first call');
    }, { separateServer: true });
    await assertDiscovered(file);
    const frames = await decodedFrames(file);
    console.log(`# ${frames} video frames decoded from the first call's file`);
    assert.ok(frames >= MIN_FILE_FRAMES, `only ${frames} video frames in the file`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// --- c. --mode=both against simple-peer's index.html

// The chapter's index.html makes its peer with whatever stream it has when an offer comes; its
// socket connects before its camera starts. `lateCameraMs`: the page's getUserMedia answers that
// much later, so the launcher's offer comes first and is answered without media.
const delayCamera = (ms) => {
  const native = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (c) => new Promise((r) => setTimeout(r, ms)).then(() => native(c));
};

const twoWayWithPage = (launcherCalls, extra, chapter, { lateCameraMs = 0 } = {}) =>
  withLauncherCall(async ({ launch, pageUrl, open, stopped }) => {
  const launcher = launch(['--mode=both', ...SEND, ...extra, '--sink=fake', ...(launcherCalls ? ['--call=auto'] : [])],
                          'both');
  const url = await pageUrl(launcher, 'index.html');
  const launcherId = await launcher.localId(START_TIMEOUT_MS);
  const page = await open(url, 'page', lateCameraMs ? { init: [delayCamera, lateCameraMs] } : {});
  const pageId = await pageSocketId(page);
  await videoReady(page, 'myCamera');
  const startedAt = Date.now();
  if (!launcherCalls) await selectPeer(page, launcherId);
  await callStarted(launcher, pageId, launcherCalls ? 'calling' : 'answering');
  await Promise.all([assertPlays(page, 'otherCamera', startedAt),
                     receivedFrames(launcher, MIN_CALL_FRAMES, pageId),
                     simplePeerConnected(page)]);
  // The upgrade to WebSocket may complete just after a fast call (bounded wait).
  for (let i = 0; i < 50 && !(page.websocketEvents > 0 || page.websocketUpgraded); i++) await sleep(100);
  assertUsedWebSocket([page]);

  const summary = await launcher.stopAndCheck();
  stopped.set(launcher, summary);
  logSummary(launcher, summary);
  assert.ok(summary.received_video_frames >= MIN_CALL_FRAMES,
            `summary received_video_frames=${summary.received_video_frames}`);
  assert.ok(summary.received_audio_buffers > 0, `summary received_audio_buffers=${summary.received_audio_buffers}`);
  assert.ok(summary.sent_video_frames >= MIN_CALL_FRAMES, `summary sent_video_frames=${summary.sent_video_frames}`);
  if (lateCameraMs) {
    // The first call got an answer without media: ended, and the page called again (1, 2, 4, 8 s).
    const ended = launcher.events.filter((e) => e.type === 'call-ended' && e.peer === pageId);
    const started = launcher.events.filter((e) => e.type === 'call-started' && e.peer === pageId);
    console.log(`# calls to the page: ${started.length}; ended: ${ended.map((e) => e.reason).join('; ')}`);
    assert.ok(ended.some((e) => /answered without sending media/.test(e.reason)),
              'the first call, answered before the page had its camera, was not ended for it');
    assert.ok(started.length >= 2 && started.length <= 5, `the page was called ${started.length} times (1 + at most 4 again)`);
  }
}, pageSet(chapter));

bothPageSets('c1. index.html (simple-peer) calls --mode=both: video both ways', (chapter) =>
  twoWayWithPage(false, [], chapter));

bothPageSets('c2. --mode=both --call=auto calls index.html (simple-peer): video both ways', (chapter) =>
  twoWayWithPage(true, [], chapter));

// Our index.html starts its camera before it connects; the chapter's does not. With the chapter's
// Node server (launcher-node), what the chapter's users run.
if (serverKind === 'node') test('c2b. --call=auto calls the chapter\'s index.html before its camera started: called again, video both ways',
     { timeout: CASE_TIMEOUT_MS }, () => twoWayWithPage(true, [], true, { lateCameraMs: 1500 }));

bothPageSets('c3. index.html calls --mode=both --codec=h264: the page plays the launcher\'s H.264', (chapter) =>
  twoWayWithPage(false, ['--codec=h264'], chapter), OURS_ONLY);

// --- d. two launchers through one server

test('d. two --mode=both launchers call each other through one server (--server=)',
     { timeout: CASE_TIMEOUT_MS }, () =>
  withLauncherCall(async ({ launch, stopped }) => {
    const answerer = launch(['--mode=both', ...SEND, '--sink=fake'], 'answerer');
    const answererId = await answerer.localId(START_TIMEOUT_MS);
    const caller = launch(['--mode=both', ...SEND, '--sink=fake', '--call=auto'], 'caller');
    const callerId = await caller.localId(START_TIMEOUT_MS);
    await Promise.all([callStarted(caller, answererId, 'calling'), callStarted(answerer, callerId, 'answering')]);
    await Promise.all([receivedFrames(caller, MIN_CALL_FRAMES, answererId),
                       receivedFrames(answerer, MIN_CALL_FRAMES, callerId)]);
    for (const launcher of [caller, answerer]) {
      const summary = await launcher.stopAndCheck();
      stopped.set(launcher, summary);
      logSummary(launcher, summary);
      assert.ok(summary.received_video_frames > MIN_CALL_FRAMES,
                `${launcher.name}: summary received_video_frames=${summary.received_video_frames}`);
      assert.ok(summary.received_audio_buffers > 0,
                `${launcher.name}: summary received_audio_buffers=${summary.received_audio_buffers}`);
    }
  }, { separateServer: true }));

// --- d2. classic dialect, calling a socket id: a sender calls a receiver named by --call=ID

// The sender stamps its frames (--stamp): the receiver reads the send time back and prints
// glass-to-glass figures, the "shown" one through its --latency jitter buffer.
const D2_LATENCY_MS = 120;
test('d2. --mode=send --call=ID calls a --mode=recv launcher (classic dialect), glass to glass with --stamp',
     { timeout: CASE_TIMEOUT_MS }, () =>
  withLauncherCall(async ({ launch, stopped }) => {
    const receiver = launch(['--mode=recv', '--sink=fake', `--latency=${D2_LATENCY_MS}`], 'receiver');
    const receiverId = await receiver.localId(START_TIMEOUT_MS);
    const sender = launch(['--mode=send', ...SEND, '--stamp', `--call=${receiverId}`], 'sender');
    const senderId = await sender.localId(START_TIMEOUT_MS);
    await Promise.all([callStarted(sender, receiverId, 'calling'), callStarted(receiver, senderId, 'answering')]);
    await receivedFrames(receiver, MIN_CALL_FRAMES, senderId);
    for (const launcher of [sender, receiver]) {
      const summary = await launcher.stopAndCheck();
      stopped.set(launcher, summary);
      logSummary(launcher, summary);
    }
    const [senderSummary, receiverSummary] = [stopped.get(sender), stopped.get(receiver)];
    assert.ok(senderSummary.sent_video_frames > MIN_CALL_FRAMES, `sender sent ${senderSummary.sent_video_frames}`);
    assert.equal(senderSummary.received_video_frames, 0, 'a sender receives nothing');
    assert.ok(receiverSummary.received_video_frames > MIN_CALL_FRAMES,
              `receiver summary received_video_frames=${receiverSummary.received_video_frames}`);
    assert.ok(receiverSummary.received_audio_buffers > 0,
              `receiver summary received_audio_buffers=${receiverSummary.received_audio_buffers}`);
    assert.ok(receiverSummary.call_setup_ms > 0, `receiver call_setup_ms=${receiverSummary.call_setup_ms}`);
    // Every decoded frame carries a stamp (after the first keyframe); a misread one would give
    // times far off, or none.
    const g2g = receiver.events.find((e) => e.type === 'latency' && e.what === 'the whole run');
    assert.ok(g2g, 'the receiver printed no "latency: the whole run" line for a stamped stream');
    console.log(`# glass to glass: ${JSON.stringify(g2g)}`);
    assert.ok(g2g.frames >= receiverSummary.received_video_frames / 2,
              `${g2g.frames} stamped of ${receiverSummary.received_video_frames} decoded frames`);
    assert.ok(g2g.decoded >= 0 && g2g.decoded < 1000, `decoded ${g2g.decoded} ms after it was sent`);
    assert.ok(g2g.upstream >= D2_LATENCY_MS && g2g.upstream < D2_LATENCY_MS + 100,
              `latency upstream of the sink ${g2g.upstream} ms with --latency=${D2_LATENCY_MS}`);
    assert.ok(g2g.shown >= D2_LATENCY_MS && g2g.shown >= g2g.decoded,
              `shown ${g2g.shown} ms, decoded ${g2g.decoded} ms, with --latency=${D2_LATENCY_MS}`);
    assert.ok(!sender.events.some((e) => e.type === 'latency'), 'the sender measured something: it receives nothing');
  }, { separateServer: true }));

// --- j. calls outlive the signalling server (issue 11): kill -9 of the server with two launchers
// in a call and our receiver.html called too, the media goes on (the page keeps playing); the
// server starts again on its port, both launchers rejoin, the page's socket.io-client reconnects by
// itself under a new id, the calls are the same calls (not ended, not placed again; the page has one
// peer connection); a viewer that joins afterwards is called. (k: the chapter's page.)

const NO_SERVER_MS = 20000;

// framesDecoded rises over `ms` (sampled every second): the picture never froze for long.
const playsFor = async (record, ms) => {
  const first = await sampleVideo(record, 'otherCamera');
  let last = first;
  for (const end = Date.now() + ms; Date.now() < end;) {
    await sleep(1000);
    const next = await sampleVideo(record, 'otherCamera');
    assert.ok(next.framesDecoded > last.framesDecoded,
              `${record.name}: framesDecoded stuck at ${last.framesDecoded} (pc states [${next.connectionStates}])`);
    last = next;
  }
  return last.framesDecoded - first.framesDecoded;
};

// The page's socket id once its socket.io-client has reconnected under a new one (within 10 s;
// both page sets log socket.id on every connect).
const reconnectedId = async (record, oldId) => {
  for (const end = Date.now() + 10000; Date.now() < end; await sleep(100)) {
    const id = record.connectIds[record.connectIds.length - 1];
    if (id && id !== oldId) return id;
  }
  assert.fail(`${record.name} did not reconnect to the server under a new id`);
};

// Against sio-signalling only (the restart is of the server under test; launcher-node runs the
// others against the Node server): 50 s of the CI's budget once, not twice.
if (serverKind === 'node') console.log('# j (server restart) runs in launcher-ours only, against sio-signalling');
if (serverKind !== 'node') test('j. kill -9 of the server: the calls go on (a launcher and receiver.html), both ' +
                                'launchers rejoin its restart, the page is not called again, a new viewer is called',
     { timeout: 120000 }, async () => {
  let server = await startServer(webDir);
  const pages = [];
  const port = Number(new URL(server.baseUrl).port);
  const launchers = [];
  const launch = (args, name) => {
    const launcher = startLauncher([...args, `--server=${server.baseUrl}`, ...COMMON], { name });
    launchers.push(launcher);
    return launcher;
  };
  const at = (launcher, event) => launcher.startedAt + event.t_ms;  // wall-clock ms of an event
  try {
    const viewer = launch(['--mode=recv', '--sink=fake'], 'viewer');
    const viewerId = await viewer.localId(START_TIMEOUT_MS);
    const hub = launch(['--mode=send', ...SEND, '--call=all'], 'hub');
    const hubId = await hub.localId(START_TIMEOUT_MS);
    await callStarted(hub, viewerId, 'calling');
    await receivedFrames(viewer, MIN_CALL_FRAMES, hubId);
    const page = await openPage(browser, `${server.baseUrl}receiver.html`, { name: 'receiver' });
    pages.push(page);
    const pageId = await pageSocketId(page);
    await callStarted(hub, pageId, 'calling');
    await assertPlays(page, 'otherCamera', Date.now());

    await server.kill();
    const killed = Date.now();
    const pagePlays = playsFor(page, NO_SERVER_MS - 5000);  // sampled every second meanwhile
    pagePlays.catch(() => {});  // awaited below
    await Promise.all([hub, viewer].map((l) => l.waitFor('signalling-lost', 'signalling: lost the server',
                                                          STEP_TIMEOUT_MS, (e) => e.wasConnected)));
    const first = await viewer.waitFor('status', 'a status line after the kill', STEP_TIMEOUT_MS,
                                       (e) => e.peer === hubId && at(viewer, e) >= killed);
    const last = await viewer.waitFor('status', `a status line ${NO_SERVER_MS / 1000} s after the kill`,
                                      NO_SERVER_MS + STEP_TIMEOUT_MS,
                                      (e) => e.peer === hubId && at(viewer, e) >= killed + NO_SERVER_MS);
    const withoutServer = last.received_video_frames - first.received_video_frames;
    const seconds = (at(viewer, last) - at(viewer, first)) / 1000;
    console.log(`# no server: the viewer received ${withoutServer} frames in ${seconds.toFixed(1)} s`);
    assert.ok(withoutServer >= 15 * seconds, `frames kept coming with no server: ${withoutServer} in ${seconds} s`);
    console.log(`# no server: the page decoded ${await pagePlays} frames in ${(NO_SERVER_MS - 5000) / 1000} s`);

    server = await startServer(webDir, serverKind, [], { port });
    const restarted = Date.now();
    const rejoins = await Promise.all([hub, viewer].map((l) => l.waitFor('rejoined', 'signalling: rejoined', 8000)));
    const rejoinMs = Math.max(at(hub, rejoins[0]), at(viewer, rejoins[1])) - restarted;
    console.log(`# both rejoined ${rejoinMs} ms after the restart (hub ${rejoins[0].previous} -> ${rejoins[0].id}, ` +
                `viewer ${rejoins[1].previous} -> ${rejoins[1].id}), ${rejoins[0].kept} and ${rejoins[1].kept} call kept`);
    assert.ok(rejoinMs <= 6000, `rejoined ${rejoinMs} ms after the restart`);
    assert.deepEqual(rejoins.map((e) => e.kept), [2, 1], 'each kept its calls');
    await receivedFrames(viewer, last.received_video_frames + MIN_CALL_FRAMES, hubId);
    const newPageId = await reconnectedId(page, pageId);
    console.log(`# the page came back as ${newPageId} ${Date.now() - restarted} ms after the restart`);
    await playsFor(page, 2000);
    assert.equal(await page.page.evaluate(() => window.__peerConnections.length), 1, 'the page has one peer connection');

    const third = launch(['--mode=recv', '--sink=fake'], 'third');
    const thirdId = await third.localId(START_TIMEOUT_MS);
    await callStarted(hub, thirdId, 'calling');
    await receivedFrames(third, MIN_CALL_FRAMES, rejoins[0].id);
    const started = hub.events.filter((e) => e.type === 'call-started').map((e) => e.peer);
    assert.deepEqual(started, [viewerId, pageId, thirdId],
                     'the hub placed the viewer\'s and the page\'s calls once (not again under their new ids)');
    for (const launcher of [hub, viewer, third]) {
      assert.deepEqual(launcher.events.filter((e) => e.type === 'call-ended'), [], `${launcher.name}: no call ended`);
    }
    for (const launcher of launchers) logSummary(launcher, await launcher.stopAndCheck());
  } catch (error) {
    console.log(describeFailure(server, pages, launchers.map((l) => ({ title: `launcher ${l.name}`, lines: l.log.slice(-150) })))
      .replace(/^/gm, '# '));
    throw error;
  } finally {
    await closePages(pages);
    await Promise.all(launchers.map((l) => l.kill()));
    await server.stop();
  }
});

// --- k. the chapter's verbatim receiver.html through a restart (issue 11; j does it with ours): a
// --call=all launcher and the page through a separate sio-signalling serving the chapter's pages.
// kill -9 of the server: the page keeps playing; the server starts again on its port: the launcher
// rejoins, the page's socket.io-client reconnects by itself under a new id, and the call is the
// same call (the launcher does not call the page again; the page has one peer connection). Then a
// SIGSTOP of the server for 30 s: the same outcome, and a page opened after SIGCONT is called; a
// second page closed at the
// start of the SIGSTOP has no server to say so: the launcher ends its call once nothing has come
// from the page for its media timeout, within 15 s (during the 30 s, not after them: a killed
// server and a stopped one look the same to the launcher until the stopped one runs again).

const PAGE_NO_SERVER_MS = 5000;
const SIGSTOP_MS = 30000;
const GONE_PAGE_LIMIT_MS = 15000;

const chapterPageThroughRestart = async () => {
  const publicDir = chapterPagesDir();
  let server = await startServer(publicDir);
  const port = Number(new URL(server.baseUrl).port);
  const launchers = [];
  const pages = [];
  const at = (launcher, event) => launcher.startedAt + event.t_ms;
  const open = async (name) => {
    const record = await openPage(browser, `${server.baseUrl}receiver.html`, { name, chapter: true });
    pages.push(record);
    return record;
  };
  try {
    const hub = startLauncher(['--mode=send', ...SEND, '--call=all', `--server=${server.baseUrl}`, ...COMMON],
                              { name: 'hub' });
    launchers.push(hub);
    await hub.localId(START_TIMEOUT_MS);
    const page = await open('receiver');
    const pageId = await pageSocketId(page);
    await callStarted(hub, pageId, 'calling');
    await assertPlays(page, 'otherCamera', Date.now());

    await server.kill();
    await hub.waitFor('signalling-lost', 'signalling: lost the server', STEP_TIMEOUT_MS, (e) => e.wasConnected);
    const frames = await playsFor(page, PAGE_NO_SERVER_MS);
    console.log(`# no server: the page decoded ${frames} frames in ${PAGE_NO_SERVER_MS / 1000} s`);
    server = await startServer(publicDir, serverKind, [], { port });
    const restarted = Date.now();
    const rejoined = await hub.waitFor('rejoined', 'signalling: rejoined', 8000);
    const rejoinMs = at(hub, rejoined) - restarted;
    assert.ok(rejoinMs <= 6000, `the hub rejoined ${rejoinMs} ms after the restart`);
    assert.equal(rejoined.kept, 1, 'the hub kept its call');
    const newId = await reconnectedId(page, pageId);
    console.log(`# the hub rejoined ${rejoinMs} ms after the restart, the page came back as ${newId} ` +
                `${Date.now() - restarted} ms after it`);
    await playsFor(page, 3000);

    // A second page that closes while the server is stopped: nobody can tell the hub (the server
    // does not run), so its call must end by the hub's media timeout, within 15 s, while the
    // first page plays on through the 30 s.
    const leaving = await open('receiver-closed-while-stopped');
    const leavingId = await pageSocketId(leaving);
    await callStarted(hub, leavingId, 'calling');
    await assertPlays(leaving, 'otherCamera', Date.now());
    server.signal('SIGSTOP');
    await leaving.context.close();
    const closed = Date.now();
    const leavingEnded = hub.waitFor('call-ended', `call: ended with ${leavingId}`, GONE_PAGE_LIMIT_MS + 2000,
                                     (e) => e.peer === leavingId);
    leavingEnded.catch(() => {});  // awaited below, after the first page's 30 s
    const frozen = await playsFor(page, SIGSTOP_MS);
    server.signal('SIGCONT');
    console.log(`# the server stopped for ${SIGSTOP_MS / 1000} s: the page decoded ${frozen} frames meanwhile`);
    const ended = await leavingEnded;
    const endedMs = at(hub, ended) - closed;
    console.log(`# a page closed while the server was stopped: the hub ended its call ${endedMs} ms later ` +
                `(${ended.reason})`);
    assert.ok(endedMs <= GONE_PAGE_LIMIT_MS, `the call ended ${endedMs} ms after the page closed`);
    assert.match(ended.reason, /nothing received from the peer/);
    const second = await open('receiver-after-sigcont');
    const secondId = await pageSocketId(second);
    await callStarted(hub, secondId, 'calling');
    await assertPlays(second, 'otherCamera', Date.now());
    await second.context.close();
    await hub.waitFor('call-ended', `call: ended with ${secondId}`, STEP_TIMEOUT_MS, (e) => e.peer === secondId);
    await playsFor(page, 2000);
    const placed = hub.events.filter((e) => e.type === 'call-started').map((e) => e.peer);
    assert.equal(placed.filter((p) => p !== pageId).length, 2,
                 `the hub did not call the page again under a new id: ${placed}`);
    assert.equal(await page.page.evaluate(() => window.__peerConnections.length), 1, 'the page has one peer connection');
    assert.deepEqual(hub.events.filter((e) => e.type === 'call-ended' && e.peer === pageId), [], 'the call went on');

    logSummary(hub, await hub.stopAndCheck());
  } catch (error) {
    console.log(describeFailure(server, pages, launchers.map((l) => ({ title: `launcher ${l.name}`, lines: l.log.slice(-150) })))
      .replace(/^/gm, '# '));
    throw error;
  } finally {
    await closePages(pages);
    await Promise.all(launchers.map((l) => l.kill()));
    await server.stop();
  }
};

if (serverKind !== 'node') {
  test(`k. the chapter's receiver.html keeps playing through a kill -9 and restart of the server and a ` +
       `${SIGSTOP_MS / 1000} s SIGSTOP, is not called again; one closed while the server is down: its call ends ` +
       'within 15 s', { timeout: 150000 }, chapterPageThroughRestart);
}

// --- l. an offer that never connects (a client that offers and then does nothing) to an answering
// launcher: the real caller's call takes its place at once; alone, it ends after 15 s.

// A browser's offer of one VP8 stream, with credentials and a fingerprint but no candidate ever.
const OFFER_THAT_NEVER_CONNECTS = [
  'v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=msid-semantic: WMS',
  'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0', 'a=ice-ufrag:Wq3x',
  'a=ice-pwd:0j7kOqW2sYB1pOe5uO2ZmYi1',
  'a=fingerprint:sha-256 19:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04:BB:05:2F:70:9F:04:A9:0E:05:E9:26:33:E8:70:88:A2',
  'a=setup:actpass', 'a=mid:0', 'a=sendrecv', 'a=rtcp-mux', 'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack',
  'a=rtcp-fb:96 nack pli', '',
].join('\r\n');

if (serverKind !== 'node') test('l. an offer that never connects does not keep the real caller out of an answering launcher',
     { timeout: CASE_TIMEOUT_MS }, () =>
  withLauncherCall(async ({ launch, pageUrl }) => {
    const answerer = launch(['--mode=recv', '--sink=fake'], 'answerer');
    const answererId = await answerer.localId(START_TIMEOUT_MS);
    const base = (await pageUrl(answerer, 'sender.html')).replace(/sender\.html$/, '');
    const { io } = await import('socket.io-client');
    const bogus = io(base, { transports: ['websocket'], reconnection: false });
    try {
      const bogusId = await withTimeout(new Promise((resolve) => bogus.on('connect', () => resolve(bogus.id))),
                                        STEP_TIMEOUT_MS, 'the bogus client connecting');
      bogus.emit('peerOffer', answererId, { type: 'offer', sdp: OFFER_THAT_NEVER_CONNECTS });
      await callStarted(answerer, bogusId, 'answering');
      const caller = launch(['--mode=send', ...SEND, `--call=${answererId}`], 'caller');
      const callerId = await caller.localId(START_TIMEOUT_MS);
      const startedAt = Date.now();
      await callStarted(answerer, callerId, 'answering');
      const connected = await callConnected(answerer, callerId);
      const replaced = answerer.events.find((e) => e.type === 'call-ended' && e.peer === bogusId);
      console.log(`# the real call connected ${answerer.startedAt + connected.t_ms - startedAt} ms after the caller ` +
                  `started; the bogus call: ${replaced?.reason}`);
      assert.ok(answerer.startedAt + connected.t_ms - startedAt <= 15000, 'the real call started within 15 s');
      assert.match(replaced?.reason || '', new RegExp(`replaced by a call from ${callerId}`));
      await receivedFrames(answerer, MIN_CALL_FRAMES, callerId);
    } finally {
      bogus.close();
    }
  }, { separateServer: true }));

// --- f. a call that cannot connect says why: one launcher offers no ICE candidate (no
// --ice-address in a namespace that has only loopback); one stopped while such a call negotiates
// exits

// f, g and e do not depend on the server: on ours only.
if (serverKind !== 'node') test('f. a launcher with no usable interface: both ends say why the call does not connect',
     { timeout: CASE_TIMEOUT_MS }, () =>
  withLauncherCall(async ({ launch }) => {
    const reachable = launch(['--mode=recv', '--sink=fake'], 'reachable');
    const reachableId = await reachable.localId(START_TIMEOUT_MS);
    const isolated = launch(['--mode=send', ...SEND, '--call=auto'], 'isolated', { common: ['--status-interval=1'] });
    const isolatedId = await isolated.localId(START_TIMEOUT_MS);
    const [isolatedSays, reachableSays] = await Promise.all([
      isolated.waitFor('call-not-connected', 'call: not connected (isolated)', 20000, (e) => e.peer === reachableId),
      reachable.waitFor('call-not-connected', 'call: not connected (reachable)', 20000, (e) => e.peer === isolatedId),
    ]);
    console.log(`# isolated: ${isolatedSays.reason}`);
    console.log(`# reachable: ${reachableSays.reason}`);
    assert.match(isolatedSays.reason, /no local ICE candidates.*--ice-address=127\.0\.0\.1/);
    assert.match(reachableSays.reason, /ICE \w+, [1-9]\d* local candidates.*--stun \/ --turn/);
    assert.ok(!isolated.events.some((e) => e.type === 'call-connected'), 'isolated: the call cannot connect');
    // Stopped while its call still negotiates (webrtcbin holds the sending threads until DTLS
    // connects): SIGTERM still ends it, with EOS and a summary. It once waited forever.
    const stopped = launch(['--mode=send', ...SEND, `--call=${reachableId}`], 'stopped while negotiating',
                           { common: ['--status-interval=1'] });
    await stopped.waitFor('status', 'status: state=negotiating', START_TIMEOUT_MS,
                          (e) => e.state === 'negotiating' && Number(e.calls) === 1);
    await stopped.stopAndCheck();
  }, { separateServer: true }));

// --- g. --sink=auto with a display: the received video is shown in a window (Xvfb)

// Starts Xvfb on a free display; resolves { display, stop }.
const startXvfb = async () => {
  let number = 90 + (process.pid % 100);
  while (fs.existsSync(`/tmp/.X${number}-lock`)) number++;
  const display = `:${number}`;
  const child = spawn('Xvfb', [display, '-screen', '0', '800x600x24', '-nolisten', 'tcp'],
                      { stdio: 'ignore' });
  const failed = new Promise((resolve) => child.once('error', resolve));
  for (let i = 0; i < 50 && !fs.existsSync(`/tmp/.X11-unix/X${number}`); i++) {
    const error = await Promise.race([failed, sleep(100).then(() => null)]);
    if (error) assert.fail(`Xvfb did not start (${error.message}): install the Debian package xvfb`);
  }
  assert.ok(fs.existsSync(`/tmp/.X11-unix/X${number}`), `Xvfb ${display} did not come up`);
  return { display, stop: () => child.kill('SIGTERM') };
};

// The X windows on `display` with their sizes ("WxH"), from xwininfo (x11-utils).
const windowSizes = (display) => new Promise((resolve, reject) => {
  execFile('xwininfo', ['-root', '-tree', '-display', display], { timeout: 10000 }, (error, stdout) => {
    if (error) reject(new Error(`xwininfo: ${error.message} (install the Debian package x11-utils)`));
    else resolve([...stdout.matchAll(/\s(\d+x\d+)\+/g)].map((m) => m[1]));
  });
});

if (serverKind !== 'node') test('g. --sink=auto with a display shows the received video in a window', { timeout: CASE_TIMEOUT_MS }, async () => {
  const xvfb = await startXvfb();
  try {
    await withLauncherCall(async ({ launch }) => {
      const viewer = launch(['--mode=recv', '--sink=auto'], 'viewer', { env: { DISPLAY: xvfb.display } });
      const viewerId = await viewer.localId(START_TIMEOUT_MS);
      const sender = launch(['--mode=send', ...SEND, `--call=${viewerId}`], 'sender');
      const senderId = await sender.localId(START_TIMEOUT_MS);
      const receiving = await viewer.waitFor('receiving', 'receiving video_0', START_TIMEOUT_MS * 2,
                                             (e) => e.pad === 'video_0');
      assert.equal(receiving.to, 'a window');
      await receivedFrames(viewer, MIN_CALL_FRAMES, senderId);
      const sizes = await windowSizes(xvfb.display);
      console.log(`# windows on ${xvfb.display}: ${sizes.join(' ')}`);
      assert.ok(sizes.includes('320x240'), `a 320x240 video window on ${xvfb.display}; windows: ${sizes.join(' ')}`);
    }, { separateServer: true });
  } finally {
    xvfb.stop();
  }
});

// --- e. bad options: exit 2, a message naming what is wrong, nothing started

// Option errors also say "Try --help."; missing pieces (found after parsing) need not.
const NO_PLUGINS_REGISTRY = path.join(os.tmpdir(), `sio-webrtc-no-plugins-${process.pid}.bin`);
const BAD_OPTIONS = [
  { args: ['--mode=sideways'], names: /--mode.*sideways/, option: true },
  { args: ['--server=ftp://example.org/'], names: /--server.*ftp:\/\/example\.org/, option: true },
  { args: ['--codec=theora'], names: /--codec.*theora/, option: true },
  { args: ['--mode=send', '--sink=fake'], names: /--sink/, option: true },
  { args: ['--server=http://127.0.0.1:1/', '--port=0'], names: /--port/, option: true },
  // A camera that is not there.
  { args: ['--mode=send', '--video=v4l2:/dev/no-such-video', '--audio=none', '--dry-run'],
    names: /\/dev\/no-such-video/ },
  // No GStreamer plugins at all (only the statically registered socketio element): the first
  // missing element is named with the Debian package that ships it.
  { args: ['--mode=send', '--video=test', '--audio=test', '--dry-run'],
    names: /missing GStreamer element '\w+'.*install the Debian package gstreamer1\.0-[\w-]+/,
    env: { GST_PLUGIN_SYSTEM_PATH_1_0: '/nonexistent', GST_PLUGIN_SYSTEM_PATH: '/nonexistent',
           GST_PLUGIN_PATH: '', GST_PLUGIN_PATH_1_0: '', GST_REGISTRY: NO_PLUGINS_REGISTRY } },
  // A runtime error, not a usage error: nothing listens there (exit 1, the reason on stderr).
  { args: ['--mode=send', '--video=test', '--audio=none', '--server=http://127.0.0.1:1/', '--no-reconnect'],
    names: /127\.0\.0\.1:1\b.*(refused|unreachable)|(refused|unreachable).*127\.0\.0\.1:1\b/s, exit: 1 },
];

// --- h. one camera, many viewers: --call=all calls every receiver.html that opens, all fed by one
// encode (the status line counts the encoders in the running pipeline)

// framesDecoded still rises on the page (a second sample after FRAME gap).
const keepsPlaying = async (record) => {
  const first = await sampleVideo(record, 'otherCamera');
  await sleep(700);
  const second = await sampleVideo(record, 'otherCamera');
  assert.ok(second.framesDecoded > first.framesDecoded,
            `${record.name}: framesDecoded stuck at ${first.framesDecoded} (pc states [${second.connectionStates}])`);
  return second.framesDecoded - first.framesDecoded;
};

const VIEWERS = 6;
const MAX_FIRST_FRAME_AFTER_CONNECT_MS = 1500;

const manyViewers = (chapter) => withLauncherCall(async ({ launch, pageUrl, open }) => {
  const launcher = launch(['--mode=send', '--call=all', ...SEND], chapter ? 'send-all-chapter' : 'send-all');
  const url = await pageUrl(launcher, 'receiver.html');
  const viewers = [];
  const openViewer = async (n) => {
    const record = await open(url, `receiver${n}`);
    const id = await pageSocketId(record);
    const startedAt = Date.now();
    await callStarted(launcher, id, 'calling');
    const played = await assertPlays(record, 'otherCamera', startedAt);
    return { record, id, played };
  };
  for (let n = 1; n <= VIEWERS; n++) viewers.push(await openViewer(n));
  const status = await launcher.waitFor('status', `a status line with calls=${VIEWERS}`, STEP_TIMEOUT_MS,
                                        (e) => e.calls === VIEWERS);
  console.log(`# ${VIEWERS} calls: ${status.video_encoders} video and ${status.audio_encoders} audio encoder(s) ` +
              `running, send_kbps=${status.send_kbps} (all calls)`);
  assert.equal(status.video_encoders, 1, 'one video encoder for every call');
  assert.equal(status.audio_encoders, 1, 'one audio encoder for every call');
  for (const viewer of viewers) await keepsPlaying(viewer.record);

  // Viewers 2 and 4 leave: their calls end, the others go on playing.
  for (const n of [2, 4]) {
    const viewer = viewers[n - 1];
    await viewer.record.context.close();
    await launcher.waitFor('call-ended', `call: ended with ${viewer.id}`, STEP_TIMEOUT_MS, (e) => e.peer === viewer.id);
  }
  for (const n of [1, 3, 5, 6]) await keepsPlaying(viewers[n - 1].record);

  // A 7th viewer: its first picture comes within 1.5 s of its call connecting (a keyframe is asked
  // for when a call connects, not left to the encoder's next periodic one).
  const record = await open(url, 'receiver7');
  const id = await pageSocketId(record);
  await callStarted(launcher, id, 'calling');
  await videoReady(record, 'otherCamera');
  const pictureAt = Date.now();
  const connected = await callConnected(launcher, id);
  const connectedAt = launcher.startedAt + connected.t_ms;
  console.log(`# receiver7: call connected in ${connected.ms} ms, first picture ${pictureAt - connectedAt} ms later`);
  assert.ok(pictureAt - connectedAt <= MAX_FIRST_FRAME_AFTER_CONNECT_MS,
            `receiver7: first picture ${pictureAt - connectedAt} ms after its call connected`);
  await keepsPlaying(record);
  const last = await launcher.waitFor('status', 'a status line with calls=5', STEP_TIMEOUT_MS,
                                      (e) => e.calls === VIEWERS - 1 && e.t_ms > connected.t_ms);
  assert.equal(last.video_encoders, 1);
}, pageSet(chapter));

// h and i take 40 s a server: our pages run against ours, the chapter's against the Node server
// (each server still carries both page sets in a-c and h3).
if (serverKind !== 'node') {
  test(`h1. --mode=send --call=all: ${VIEWERS} receiver.html pages play from one encode, 2 leave, a 7th joins`,
       { timeout: 180000 }, () => manyViewers(false));
} else {
  test(`h2. --mode=send --call=all: ${VIEWERS} of the chapter's verbatim receiver.html play from one encode, 2 leave, ` +
       'a 7th joins', { timeout: 180000 }, () => manyViewers(true));
}

bothPageSets('h3. --call=all --max-calls=3: the 4th page gets no call and the launcher says why, until one leaves',
             (chapter) => withLauncherCall(async ({ launch, pageUrl, open }) => {
  const launcher = launch(['--mode=send', '--call=all', '--max-calls=3', ...SEND], 'send-max3');
  const url = await pageUrl(launcher, 'receiver.html');
  const viewers = [];
  for (let n = 1; n <= 3; n++) {
    const record = await open(url, `receiver${n}`);
    const id = await pageSocketId(record);
    const startedAt = Date.now();
    await callStarted(launcher, id, 'calling');
    await assertPlays(record, 'otherCamera', startedAt);
    viewers.push({ record, id });
  }
  const fourth = await open(url, 'receiver4');
  const fourthId = await pageSocketId(fourth);
  const warning = await launcher.waitFor('warning', `a warning naming ${fourthId}`, STEP_TIMEOUT_MS,
                                         (e) => e.text.includes(fourthId));
  console.log(`# launcher: ${warning.text}`);
  assert.match(warning.text, /max-calls \(3\)/);
  assert.ok(!launcher.events.some((e) => e.type === 'call-started' && e.peer === fourthId), 'the 4th page was called');
  assert.equal(await fourth.page.evaluate(() => document.getElementById('otherCamera').videoWidth), 0);
  // The first viewer leaves: the place goes to the 4th.
  await viewers[0].record.context.close();
  const startedAt = Date.now();
  await callStarted(launcher, fourthId, 'calling');
  await assertPlays(fourth, 'otherCamera', startedAt);
}, pageSet(chapter)), OURS_ONLY);

// --- i. several two-way calls into one launcher: the pages' videos side by side, their audio
// mixed, the mix recorded

// The file's video as 8-bit grey (gst-launch-1.0 writes every frame) and each place's mean
// brightness in every frame: the first frame with the most lit places of the grid, and how many
// frames have that many. (The very last frames are black: at stop the calls leave the mix before
// its EOS.)
const tileBrightness = async (file, width, height, columns, rows) => {
  const raw = `${file}.gray`;
  await run('gst-launch-1.0', ['-q', 'filesrc', `location=${file}`, '!', 'matroskademux', '!', 'vp8dec', '!',
                               'videoconvert', '!', 'video/x-raw,format=GRAY8', '!', 'filesink', `location=${raw}`],
            60000);
  const data = fs.readFileSync(raw);
  fs.rmSync(raw, { force: true });
  const frameSize = width * height;
  const frames = Math.floor(data.length / frameSize);
  const tileW = width / columns, tileH = height / rows;
  let best = null;
  for (let f = 0; f < frames; f++) {
    const frame = data.subarray(f * frameSize, (f + 1) * frameSize);
    const means = [];
    for (let t = 0; t < columns * rows; t++) {
      const x0 = (t % columns) * tileW, y0 = Math.floor(t / columns) * tileH;
      let sum = 0;
      for (let y = y0; y < y0 + tileH; y += 2) for (let x = x0; x < x0 + tileW; x += 2) sum += frame[y * width + x];
      means.push(Math.round(sum / ((tileW / 2) * (tileH / 2))));
    }
    const lit = means.filter((m) => m > 40).length;
    if (!best || lit > best.lit) best = { lit, means, frame: f, frames, count: 0 };
    if (lit === best.lit) best.count++;
  }
  return best;
};

const PAGES_MIXED = 3;
// Frames of the recording that show every page's picture (1 s at 30 fps).
const MIN_GRID_FRAMES = 30;

const pagesCallMixingLauncher = (chapter) => async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sio-webrtc-'));
  const file = path.join(dir, 'mix.mkv');
  let launcherLog = [];  // printed when the file's checks fail (the launcher has stopped by then)
  try {
    await withLauncherCall(async ({ launch, pageUrl, open, stopped }) => {
      const launcher = launch(['--mode=both', `--max-calls=${PAGES_MIXED}`, `--sink=${file}`, ...SEND],
                              chapter ? 'both-mix-chapter' : 'both-mix');
      const url = await pageUrl(launcher, 'index.html');
      const launcherId = await launcher.localId(START_TIMEOUT_MS);
      const ids = [];
      for (let n = 1; n <= PAGES_MIXED; n++) {
        const page = await open(url, `index${n}`);
        const id = await pageSocketId(page);
        await videoReady(page, 'myCamera');
        const startedAt = Date.now();
        await selectPeer(page, launcherId);
        await callStarted(launcher, id, 'answering');
        await assertPlays(page, 'otherCamera', startedAt);
        ids.push(id);
      }
      // Frames from each page, counted per peer by the launcher (decoded, before the mix); then 30
      // more from each, with the rate they came at.
      const seen = {};
      for (const id of ids) {
        const line = await launcher.waitFor('status-call', `a status-call line with peer=${id} ` +
                                            `received_video_frames >= ${MIN_CALL_FRAMES}`, STEP_TIMEOUT_MS,
                                            (e) => e.peer === id && e.received_video_frames >= MIN_CALL_FRAMES);
        console.log(`# from ${id}: ${line.received_video_frames} video frames, recv_kbps=${line.recv_kbps}`);
        seen[id] = line.received_video_frames;
      }
      for (const id of ids) {
        const from = await launcher.waitFor('status-call', `a status-call line from ${id}`, STEP_TIMEOUT_MS,
                                            (e) => e.peer === id && e.received_video_frames >= seen[id]);
        const more = await launcher.waitFor('status-call', `30 more frames from ${id}`, STEP_TIMEOUT_MS,
                                            (e) => e.peer === id && e.received_video_frames >= seen[id] + 30);
        const fps = (more.received_video_frames - from.received_video_frames) * 1000 /
                    Math.max(1, more.t_ms - from.t_ms);
        console.log(`# from ${id}: ${more.received_video_frames - seen[id]} more frames, ${fps.toFixed(1)} a second`);
      }
      // All three pictures have been in the mix since the slowest page's 30 more frames began (at
      // 5-20 fps, 1.5-6 s, well over the MIN_GRID_FRAMES the file must show).
      const summary = await launcher.stopAndCheck();
      stopped.set(launcher, summary);
      logSummary(launcher, summary);
      launcherLog = launcher.log;
      assert.ok(summary.received_audio_buffers > 0, 'no audio received');
    }, pageSet(chapter));
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  try {
    await assertDiscovered(file);
    const frames = await decodedFrames(file);
    console.log(`# ${frames} frames of the mix decoded from the file`);
    assert.ok(frames >= MIN_FILE_FRAMES, `only ${frames} video frames in the file`);
    // 3 places of a 2x2 grid of 320x240 pictures hold the pages' cameras; the 4th stays black.
    const { means, frame, frames: total, count } = await tileBrightness(file, 640, 480, 2, 2);
    console.log(`# frame ${frame} of ${total} of the mix, mean brightness per place: ${means.join(' ')}; ` +
                `${count} frames have as many places lit`);
    assert.equal(means.filter((m) => m > 40).length, PAGES_MIXED, `places with a picture: ${means}`);
    assert.ok(count >= MIN_GRID_FRAMES, `only ${count} frames show all ${PAGES_MIXED} pictures`);
    assert.ok(means[3] < 20, `the empty place is not black: ${means}`);
  } catch (error) {
    console.log(`# the launcher's log:\n${launcherLog.slice(-80).join('\n').replace(/^/gm, '#   ')}`);
    throw error;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

if (serverKind !== 'node') {
  test(`i1. ${PAGES_MIXED} index.html pages call --mode=both --max-calls=${PAGES_MIXED} --sink=FILE.mkv: each ` +
       'plays, the launcher receives each and records the mix', { timeout: 120000 }, pagesCallMixingLauncher(false));
} else {
  test(`i2. ${PAGES_MIXED} of the chapter's verbatim index.html call --mode=both --max-calls=${PAGES_MIXED} ` +
       '--sink=FILE.mkv: each plays, the launcher receives each and records the mix', { timeout: 120000 },
       pagesCallMixingLauncher(true));
}

if (serverKind !== 'node') test('e. bad options and missing pieces exit 2, an unreachable server 1, each saying what is wrong', { timeout: 60000 }, async () => {
  try {
    for (const { args, names, option, env, exit = 2 } of BAD_OPTIONS) {
      const { code, signal, stdout, stderr } = await runLauncher(args, { env });
      const what = `${env ? '(no plugins) ' : ''}sio-webrtc ${args.join(' ')}`;
      console.log(`# ${what} -> exit ${code}: ${stderr.trim().split('\n')[0]}`);
      assert.equal(signal, null, `${what}: killed by ${signal}`);
      assert.equal(code, exit, `${what}: exit code ${code}\n${stdout}${stderr}`);
      assert.match(stderr, /^sio-webrtc: /, `${what}: stderr does not start with "sio-webrtc: "`);
      assert.match(stderr, names, `${what}: message does not name the problem: ${stderr}`);
      if (option) assert.match(stderr, /\nTry --help\.\n?$/, `${what}: no "Try --help." line`);
      if (exit === 2) {
        assert.doesNotMatch(stdout, /^(listening on|connected:|call:|pipeline:)/m, `${what}: started anyway`);
      }
    }
  } finally {
    fs.rmSync(NO_PLUGINS_REGISTRY, { force: true });
  }
});
