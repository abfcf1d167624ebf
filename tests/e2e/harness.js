// What the browser end-to-end tests share: PASS/FAIL accounting, free ports, waiting for a
// condition, and launching Debian's Chromium the way this machine allows.
//
//   const h = require('./harness');
//   h.check('it works', ok, detail);
//   await h.waitFor(() => ready(), 'the page to be ready');
//   h.finish('browser_e2e');   // prints "browser_e2e: N passed, M failed" and exits
'use strict';

const fs = require('fs');
const net = require('net');
const path = require('path');

const TIMEOUT_MS = 15000;
const counts = {passed: 0, failed: 0};

function check(name, ok, detail) {
  if (ok) {
    counts.passed++;
    console.log(`PASS ${name}`);
  } else {
    counts.failed++;
    console.log(`FAIL ${name}: ${detail}`);
  }
}

function finish(suite) {
  console.log(`${suite}: ${counts.passed} passed, ${counts.failed} failed`);
  process.exit(counts.failed ? 1 : 0);
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const {port} = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(predicate, what, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  // `what` may be a function, to describe the state at the moment of the timeout.
  throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
}

// Headless, without the background traffic this machine's closed network refuses.
// playwright-core is loaded here, not above, so that suites without a browser (the JS
// client's) need no npm packages. `extraArgs` go to Chromium as well.
function launchChromium(extraArgs = []) {
  const {chromium} = require('playwright-core');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           ...extraArgs],
  });
}

// A binary the suite's shell script built, by its path under bazel-bin. The scripts pass
// `bazel info bazel-bin` as HERALD_BIN: the bazel-bin symlink follows whichever
// configuration (opt, asan) built last.
function builtBinary(relativePath) {
  const bin = process.env.HERALD_BIN || path.resolve(__dirname, '../../bazel-bin');
  return path.join(bin, relativePath);
}

// Where a suite leaves files for a person to look at (screenshots): tests/e2e/out/SUITE, or
// $HERALD_E2E_OUT/SUITE when set. Created on first use.
function outputDir(suite) {
  const dir = path.join(process.env.HERALD_E2E_OUT || path.resolve(__dirname, 'out'), suite);
  fs.mkdirSync(dir, {recursive: true});
  return dir;
}

// Whether a heraldd answers /healthz on `httpPort` (false while it starts or after it died).
async function healthy(httpPort) {
  try {
    return (await fetch(`http://127.0.0.1:${httpPort}/healthz`)).ok;
  } catch (e) {
    return false;
  }
}

module.exports = {
  TIMEOUT_MS, builtBinary, check, finish, freePort, healthy, outputDir, waitFor, launchChromium,
};
