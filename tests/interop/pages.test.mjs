// Our pages as people see them (issue 12): index.html on a laptop (1366x768) and on a phone held
// upright (390x844), each in a call with a sio-webrtc --mode=both through sio-signalling.
// Checked on both: the remote picture's box lies fully inside the window and is larger than the
// local preview; nothing is wider than the window; the stats line names a codec and a bitrate;
// once the server is stopped the page says so (and the call goes on). And a camera that fails the
// way browsers fail it (refused, absent, busy): each page that uses one says which, in words.
// Screenshots of each step go to SIO_ARTEFACTS (meson: <build>/artefacts/pages/).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import browserLib from './lib/browser.js';
import launcherLib from '../launcher/lib/launcher.js';

const {
  webDir, STEP_TIMEOUT_MS, startServer, launchBrowser, openPage, closePages, assertPlays, describeFailure,
  withTimeout, sleep,
} = browserLib;
const { startLauncher } = launcherLib;

const artefacts = process.env.SIO_ARTEFACTS || path.join(process.cwd(), 'artefacts', 'pages');
fs.mkdirSync(artefacts, { recursive: true });
const VIEWPORTS = { laptop: { width: 1366, height: 768 }, phone: { width: 390, height: 844 } };

const cleanups = [];
after(async () => { for (const cleanup of cleanups.reverse()) await cleanup(); });

// Boxes of the two videos and the window, as the page lays them out.
const layout = (record) => record.page.evaluate(() => {
  const box = (id) => {
    const r = document.getElementById(id).getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height };
  };
  return { remote: box('otherCamera'), local: box('myCamera'), width: window.innerWidth,
           height: window.innerHeight, scrollWidth: document.documentElement.scrollWidth };
});

const waitForText = async (record, selector, predicate, what) => {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let text = '';
  while (Date.now() < deadline) {
    text = await record.page.locator(selector).innerText().catch(() => '');
    if (predicate(text)) return text;
    await sleep(200);
  }
  throw new Error(`${record.name}: ${what}; ${selector} says "${text}"`);
};

const shoot = (record, step) => record.page.screenshot({ path: path.join(artefacts, `${record.name}-${step}.png`) });

test('index.html on a laptop and a phone: picture, stats, and the server going away', { timeout: 120000 }, async () => {
  const server = await startServer(webDir, 'ours');
  cleanups.push(() => server.stop());
  const browser = await launchBrowser();
  cleanups.push(() => browser.close());
  const launcher = startLauncher(['--mode=both', '--call=all', '--max-calls=2', '--video=test', '--audio=test',
                                  '--width=640', '--height=360', '--fps=30', `--server=${server.baseUrl}`,
                                  '--ice-address=127.0.0.1', '--status-interval=1'], { name: 'calling-launcher' });
  cleanups.push(() => launcher.kill());
  const pages = [];
  try {
    await launcher.localId(STEP_TIMEOUT_MS);
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      pages.push(await openPage(browser, `${server.baseUrl}index.html`, { name, viewport }));
    }
    for (const record of pages) {
      const id = await withTimeout(record.socketId, STEP_TIMEOUT_MS, `${record.name} socket id`);
      const startedAt = Date.now();
      await launcher.waitFor('call-started', `call: started with ${id}`, STEP_TIMEOUT_MS, (e) => e.peer === id);
      await assertPlays(record, 'otherCamera', startedAt);
    }
    for (const record of pages) {
      const stats = await waitForText(record, '#stats', (t) => /\b(VP8|VP9|H264|AV1)\b/.test(t) &&
                                      Number(/in: \S+.*? (\d+) kbps/.exec(t)?.[1]) > 0,
                                      'no codec and inbound bitrate on the stats line');
      const box = await layout(record);
      await shoot(record, 'call');
      console.log(`# ${record.name} ${box.width}x${box.height}: remote ${Math.round(box.remote.width)}x` +
                  `${Math.round(box.remote.height)} at ${Math.round(box.remote.left)},${Math.round(box.remote.top)}; ` +
                  `local ${Math.round(box.local.width)}x${Math.round(box.local.height)}; stats "${stats}"`);
      const { remote, local } = box;
      assert.ok(remote.left >= 0 && remote.top >= 0 && remote.right <= box.width && remote.bottom <= box.height,
                `${record.name}: the remote picture is not fully inside the window: ${JSON.stringify(box)}`);
      assert.ok(remote.width * remote.height > 2 * local.width * local.height,
                `${record.name}: the remote picture is not the large one: ${JSON.stringify(box)}`);
      assert.ok(box.scrollWidth <= box.width, `${record.name}: the page is wider than the window (${box.scrollWidth})`);
    }

    await server.stop();
    for (const record of pages) {
      const notice = await waitForText(record, '#notice', (t) => /signalling server/.test(t),
                                       'no notice that the server is gone');
      await shoot(record, 'server-gone');
      console.log(`# ${record.name} after the server stopped: "${notice}"`);
      await assertPlays(record, 'otherCamera', Date.now());  // the call does not need the server
    }
  } catch (error) {
    console.log(describeFailure(server, pages, [{ title: 'launcher', lines: launcher.log.slice(-60) }])
      .replace(/^/gm, '# '));
    throw error;
  } finally {
    await closePages(pages);
  }
  console.log(`# screenshots in ${artefacts}`);
});

// getUserMedia as a browser fails it, before the page's scripts run: Chromium's flags here accept
// every prompt and fake a camera, so the refusal is made in the page, with the DOMException name
// a real refusal, a machine without a camera or a camera held by another program gives.
const failingCamera = (name) => {
  navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('test: ' + name, name));
};

test('a refused, absent or busy camera: sender.html and index.html say which', { timeout: 60000 }, async () => {
  const server = await startServer(webDir, 'ours');
  cleanups.push(() => server.stop());
  const browser = await launchBrowser();
  cleanups.push(() => browser.close());
  const cases = [
    ['NotAllowedError', /refused/],
    ['NotFoundError', /No camera or microphone found/],
    ['NotReadableError', /in use by another program/],
  ];
  const pages = [];
  try {
    for (const [error, expected] of cases) {
      for (const file of ['sender.html', 'index.html']) {
        const record = await openPage(browser, `${server.baseUrl}${file}`,
                                      { name: `${file.replace('.html', '')}-${error}`, init: [failingCamera, error] });
        pages.push(record);
        const notice = await waitForText(record, '#notice', (t) => expected.test(t), `no notice for ${error}`);
        const state = await record.page.locator('#state').innerText();
        assert.match(state, new RegExp(`camera error: ${error}`), `${record.name}: the status line`);
        await record.socketId;  // still joined: it can be called and receive
        await shoot(record, 'camera');
        console.log(`# ${record.name}: "${notice}"`);
      }
    }
  } catch (error) {
    console.log(describeFailure(server, pages).replace(/^/gm, '# '));
    throw error;
  } finally {
    await closePages(pages);
  }
});
