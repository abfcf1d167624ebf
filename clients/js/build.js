// Builds dist/herald.js, the client for a plain <script> tag: src/herald.js (an ES module)
// wrapped in a function that hands its exports to the page as the global `Herald`. No
// dependencies, no bundler: the module is one file whose only exports are declarations.
//
//   node build.js           writes dist/herald.js
//   node build.js --check   exits 1 when dist/herald.js is not what the build makes
import {readFileSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

export const SOURCE = fileURLToPath(new URL('./src/herald.js', import.meta.url));
export const SCRIPT = fileURLToPath(new URL('./dist/herald.js', import.meta.url));

const EXPORTED_DECLARATION = /^export (class|function|const|let) ([A-Za-z_$][\w$]*)/;
const MODULE_SYNTAX = /^\s*(import|export)\b/;

// The script for `source` (the module's text). Throws on an import or an export form it
// cannot wrap, rather than emit a script that would break in the page.
export function buildScript(source) {
  const names = [];
  const body = source.split('\n').map((line, i) => {
    const match = EXPORTED_DECLARATION.exec(line);
    if (match) {
      names.push(match[2]);
      return line.slice('export '.length);
    }
    if (MODULE_SYNTAX.test(line)) {
      throw new Error(`src/herald.js:${i + 1}: build.js cannot wrap '${line.trim()}'`);
    }
    return line;
  });
  return [
    '// Generated from src/herald.js by build.js (npm run build): edit the module, not this.',
    '// A plain <script> that defines the global `Herald`.',
    '(function (global) {',
    '\'use strict\';',
    ...body,
    `global.Herald = {${names.join(', ')}};`,
    '})(typeof window !== \'undefined\' ? window : globalThis);',
    '',
  ].join('\n');
}

function main() {
  const script = buildScript(readFileSync(SOURCE, 'utf8'));
  if (!process.argv.includes('--check')) {
    writeFileSync(SCRIPT, script);
    return;
  }
  if (readFileSync(SCRIPT, 'utf8') !== script) {
    console.error('dist/herald.js is stale: run `npm run build` in clients/js');
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
