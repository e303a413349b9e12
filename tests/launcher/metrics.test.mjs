// sio-webrtc --metrics-port: a sending launcher (embedded server, --call=all) and a receiving one
// joining it, each with its own /metrics, read by Prometheus's Python parser. Checked against the
// call they are in: one call, connected, bitrates both ways, frames sent and received, one video
// encoder, keyframe requests counted (every call that connects asks for one).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import launcherLib from './lib/launcher.js';
import browserLib from '../interop/lib/browser.js';
import { assertConventions, scrape } from '../node/lib/metrics.mjs';

const { startLauncher } = launcherLib;
const { STEP_TIMEOUT_MS, sleep } = browserLib;

const launchers = [];
after(async () => { for (const l of launchers) await l.kill(); });

const metricsUrl = (launcher) => launcher.waitFor(
  (e) => e.type === 'metrics', 'metrics on URL', STEP_TIMEOUT_MS).then((e) => e.url);

// Scrapes until `ready(metrics)` holds (a statistics round has to come first), bounded.
const scrapeUntil = async (url, ready, what) => {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let last;
  while (Date.now() < deadline) {
    last = await scrape(url);
    if (ready(last)) return last;
    await sleep(250);
  }
  throw new Error(`${url}: ${what} never held`);
};

test('--metrics-port: per-call gauges and counters of a sending and a receiving launcher', { timeout: 90000 }, async () => {
  const common = ['--ice-address=127.0.0.1', '--status-interval=1', '--metrics-port=0'];
  const sender = startLauncher(['--mode=send', '--call=all', '--video=test', '--audio=test', '--width=320',
                                '--height=240', '--fps=30', '--port=0', ...common], { name: 'sender' });
  launchers.push(sender);
  const base = await sender.baseUrl(STEP_TIMEOUT_MS);
  const receiver = startLauncher(['--mode=recv', '--sink=fake', `--server=${base}`, ...common], { name: 'receiver' });
  launchers.push(receiver);
  const [senderMetrics, receiverMetrics] = await Promise.all([metricsUrl(sender), metricsUrl(receiver)]);
  const receiverId = await receiver.localId(STEP_TIMEOUT_MS);
  const senderId = await sender.localId(STEP_TIMEOUT_MS);
  await sender.waitFor('call-connected', 'call: connected', STEP_TIMEOUT_MS, (e) => e.peer === receiverId);

  const s = await scrapeUntil(senderMetrics, (m) => m.sample('sio_webrtc_call_send_bits_per_second', { peer: receiverId }) > 0,
                              'a send bitrate for the call');
  assertConventions(s.text);
  assert.equal(s.sample('sio_webrtc_calls'), 1);
  assert.equal(s.sample('sio_webrtc_call_state', { peer: receiverId, state: 'connected' }), 1);
  assert.equal(s.sample('sio_webrtc_calls_started_total'), 1);
  assert.equal(s.sample('sio_webrtc_video_encoders'), 1);
  assert.ok(s.sample('sio_webrtc_sent_video_frames_total') > 0);
  assert.ok(s.sample('sio_webrtc_call_sent_bytes_total', { peer: receiverId }) > 0, 'bytes sent in the call');
  assert.ok(s.sample('sio_webrtc_keyframe_requests_total') >= 1, 'the connected call asked for a keyframe');

  const r = await scrapeUntil(receiverMetrics, (m) => m.sample('sio_webrtc_received_video_frames_total') >= 30 &&
                              m.sample('sio_webrtc_call_receive_bits_per_second', { peer: senderId }) > 0,
                              '30 frames and a receive bitrate');
  assertConventions(r.text);
  assert.equal(r.sample('sio_webrtc_call_state', { peer: senderId, state: 'connected' }), 1);
  assert.equal(r.sample('sio_webrtc_sent_video_frames_total'), 0);
  assert.equal(r.sample('sio_webrtc_video_encoders'), 0);
  console.log(`# sender: ${s.sample('sio_webrtc_call_send_bits_per_second', { peer: receiverId })} bit/s, ` +
              `${s.sample('sio_webrtc_keyframe_requests_total')} keyframe requests; receiver: ` +
              `${r.sample('sio_webrtc_call_receive_bits_per_second', { peer: senderId })} bit/s, ` +
              `${r.sample('sio_webrtc_received_video_frames_total')} frames, RTT ` +
              `${r.sample('sio_webrtc_call_round_trip_seconds', { peer: senderId }) ?? '-'} s`);

  const notFound = await fetch(senderMetrics.replace(/\/metrics$/, '/other'));
  assert.equal(notFound.status, 404);
  for (const l of [receiver, sender]) await l.stopAndCheck();
});
