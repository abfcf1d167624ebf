// The ticker's publisher: made-up prices for a few symbols, a random walk, one JSON line per
// tick on stdout for `heraldctl publish ticks --stream` to send as one event each.
//
//   node feed.js | heraldctl publish ticks --stream --event tick
//   TICK_MS=100 node feed.js    (a tick every 100 ms; default 250)
'use strict';

const tickMs = Number(process.env.TICK_MS || 250);
const opening = {HRLD: 142.5, BEAST: 87.2, ABSL: 311.0, GRPC: 54.8};
const prices = {...opening};
const symbols = Object.keys(prices);
let turn = 0;

function tick() {
  // One symbol per tick, in turn, so each moves at the same pace.
  const symbol = symbols[turn++ % symbols.length];
  // Steps of up to ±0.4%, pulled gently back towards the opening price so the walk stays
  // on screen however long the feed runs.
  const noise = (Math.random() - 0.5) * 0.008 * prices[symbol];
  const pull = 0.01 * (opening[symbol] - prices[symbol]);
  prices[symbol] = Math.max(1, prices[symbol] + noise + pull);
  const line = JSON.stringify({symbol, price: Number(prices[symbol].toFixed(2)), t: Date.now()});
  // A closed pipe (heraldctl stopped) ends the feed.
  if (!process.stdout.write(`${line}\n`)) process.stdout.once('drain', schedule);
  else schedule();
}

function schedule() {
  setTimeout(tick, tickMs);
}

process.stdout.on('error', () => process.exit(0));
tick();
