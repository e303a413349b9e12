// Pages for the benchmarks (call-setup.mjs, glass-to-glass.mjs): a fresh browser context per page
// with the bench's init script, and the socket id our pages log first thing on connecting (their
// socket is module-scoped; the chapter's pages log nothing).
export const openPageWith = async (browser, url, initScript, stepMs) => {
  const context = await browser.newContext();
  await context.addInitScript(initScript);
  const page = await context.newPage();
  const socketId = new Promise((resolve) => page.on('console', (m) => {
    if (m.type() === 'log' && /^[\w-]{16,32}$/.test(m.text())) resolve(m.text());
  }));
  await page.goto(url, { timeout: stepMs });
  return { page, context, socketId, close: () => context.close().catch(() => {}) };
};

// The page's own camera (a fake device, or the stamped canvas) shows in its preview.
export const cameraReady = (record, stepMs) => record.page.waitForFunction(
  () => document.getElementById('myCamera').videoWidth > 0, null, { timeout: stepMs, polling: 50 });
