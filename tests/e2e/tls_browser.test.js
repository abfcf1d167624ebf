// Chromium on heraldd's TLS port, trusting the test CA's server key the way Chromium allows
// without a system store (--ignore-certificate-errors-spki-list; errors are not ignored for
// any other key): /healthz over HTTPS, then an EventSource and a wss:// WebSocket on one
// page receiving an event published with heraldctl. Run by tls_e2e.sh, which passes
//   HTTPS_PORT, SPKI (base64 SHA-256 of the server key), HERALDCTL, GRPC_PORT.
'use strict';

const {execFileSync} = require('child_process');
const h = require('./harness');

async function main() {
  const port = process.env.HTTPS_PORT;
  const browser = await h.launchChromium([`--ignore-certificate-errors-spki-list=${process.env.SPKI}`]);
  try {
    const page = await browser.newPage();
    const origin = `https://localhost:${port}`;
    const health = await page.goto(`${origin}/healthz`);
    h.check('Chromium loads /healthz over TLS', health && health.status() === 200 &&
                (await page.textContent('body')).includes('ok'),
            health ? health.status() : 'no response');
    await page.evaluate(() => {
      window.received = {sse: [], ws: [], wsOpen: false};
      const source = new EventSource('/v1/sse?topic=news');
      source.onmessage = (e) => window.received.sse.push(e.data);
      const ws = new WebSocket(`wss://${location.host}/v1/ws`, 'herald.v1.json');
      ws.onopen = () => ws.send(JSON.stringify({op: 'subscribe', topic: 'news'}));
      ws.onmessage = (e) => {
        const message = JSON.parse(e.data);
        if (message.op === 'subscribed') window.received.wsOpen = true;
        if (message.op === 'event') window.received.ws.push(message.data);
      };
    });
    await h.waitFor(() => page.evaluate(() => window.received.wsOpen), 'the wss:// subscription');
    // EventSource has no "subscribed": its stream opens with an id-only block; give it a
    // moment by publishing until the first event arrives on both.
    await h.waitFor(async () => {
      execFileSync(process.env.HERALDCTL, [`--server=127.0.0.1:${process.env.GRPC_PORT}`,
                                           'publish', 'news', 'from-chromium']);
      const got = await page.evaluate(() => window.received);
      return got.sse.includes('from-chromium') && got.ws.includes('from-chromium');
    }, 'an event on EventSource and on the WebSocket');
    h.check('Chromium receives an event over EventSource (https) and WebSocket (wss)', true);
  } catch (error) {
    h.check('Chromium over TLS', false, error.message);
  } finally {
    await browser.close();
  }
  h.finish('tls_browser');
}

main();
