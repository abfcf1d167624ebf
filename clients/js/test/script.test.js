// The plain-script build (dist/herald.js): what build.js makes of src/herald.js, committed so
// that a page can load it without a build step, and a working client in a script's global
// scope, against a real heraldd.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import vm from 'node:vm';

import {SCRIPT, SOURCE, buildScript} from '../build.js';
import {Heraldd, Recorder} from './fixtures.js';

test('dist/herald.js is the build of src/herald.js (run `npm run build` if not)', () => {
  assert.equal(readFileSync(SCRIPT, 'utf8'), buildScript(readFileSync(SOURCE, 'utf8')));
});

test('the build refuses module syntax it cannot wrap', () => {
  assert.throws(() => buildScript("import x from './x.js';\n"), /cannot wrap/);
  assert.throws(() => buildScript('export default 1;\n'), /cannot wrap/);
});

test('as a plain script it defines the global Herald, whose client follows a topic',
     async () => {
       const page = vm.createContext({
         WebSocket, fetch, URL, TextDecoder, AbortController, atob, setTimeout, clearTimeout,
         setInterval, clearInterval, queueMicrotask,
       });
       vm.runInContext(readFileSync(SCRIPT, 'utf8'), page, {filename: 'herald.js'});
       assert.deepEqual(Object.keys(page.Herald).sort(), ['HeraldClient', 'HeraldError']);

       const node = await Heraldd.start();
       const log = new Recorder();
       const herald = new page.Herald.HeraldClient({urls: [node.url], ...log.options});
       try {
         await node.createTopic('script');
         herald.subscribe('script', log.onEvent);
         await log.waitForOpens(1);
         await node.publish('script', 'from a script tag');
         await log.waitForData('script', ['from a script tag']);
         assert.deepEqual(log.data('script'), ['from a script tag']);
       } finally {
         herald.close();
         await node.stop();
       }
     });
