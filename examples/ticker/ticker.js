// The ticker page: follows the topic `ticks` over Server-Sent Events and draws each symbol's
// prices on a canvas, by hand (no chart library, nothing from other sites).
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  // Points kept per symbol: about half a minute at the feed's default pace.
  const MAX_POINTS = 120;
  const symbols = new Map();  // name -> {points: [{t, price}], first, card}
  let selected = null;
  let frameRequested = false;

  // What arrived, for the end-to-end test to read.
  window.ticks = [];

  // A canvas sized in CSS pixels, drawn at the screen's resolution so lines stay sharp.
  function context2d(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const {width, height} = canvas.getBoundingClientRect();
    if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
    if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    return {ctx, width, height};
  }

  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  function priceRange(points) {
    let low = Infinity;
    let high = -Infinity;
    for (const {price} of points) {
      low = Math.min(low, price);
      high = Math.max(high, price);
    }
    // A flat series still gets some height, and the line never touches the edges.
    const pad = Math.max((high - low) * 0.1, high * 0.001);
    return {low: low - pad, high: high + pad};
  }

  // The price path through `box` ({left, top, width, height}), oldest point on the left and
  // newest on the right, however many points there are yet.
  function tracePath(ctx, points, box, {low, high}) {
    const x = (i) => box.left + (box.width * i) / (points.length - 1);
    const y = (price) => box.top + box.height * (1 - (price - low) / (high - low));
    ctx.beginPath();
    points.forEach((p, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, x(i), y(p.price)));
    return {x, y};
  }

  function trendColour(entry) {
    const last = entry.points[entry.points.length - 1].price;
    return css(last >= entry.first ? '--up' : '--down');
  }

  function drawSparkline(entry) {
    const {ctx, width, height} = context2d(entry.card.querySelector('canvas'));
    if (entry.points.length < 2) return;
    const box = {left: 1, top: 2, width: width - 2, height: height - 4};
    tracePath(ctx, entry.points, box, priceRange(entry.points));
    ctx.strokeStyle = trendColour(entry);
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }

  function drawChart(entry) {
    const {ctx, width, height} = context2d($('chart'));
    const points = entry.points;
    if (points.length < 2) return;
    const box = {left: 8, top: 12, width: width - 78, height: height - 40};
    const range = priceRange(points);
    // Grid lines and their prices on the right.
    ctx.font = `12px ${css('--mono')}`;
    ctx.textBaseline = 'middle';
    ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const price = range.low + ((range.high - range.low) * i) / 4;
      const y = Math.round(box.top + box.height * (1 - i / 4)) + 0.5;
      ctx.strokeStyle = css('--line');
      ctx.beginPath();
      ctx.moveTo(box.left, y);
      ctx.lineTo(box.left + box.width, y);
      ctx.stroke();
      ctx.fillStyle = css('--muted');
      ctx.fillText(price.toFixed(2), box.left + box.width + 10, y);
    }
    // Times under the oldest and newest points.
    ctx.textBaseline = 'alphabetic';
    const clock = (t) => new Date(t).toLocaleTimeString([], {hour12: false});
    ctx.textAlign = 'left';
    ctx.fillText(clock(points[0].t), box.left, height - 6);
    ctx.textAlign = 'right';
    ctx.fillText(clock(points[points.length - 1].t), box.left + box.width, height - 6);
    ctx.textAlign = 'left';
    // The area under the line, fading out, then the line and its newest point.
    const colour = trendColour(entry);
    const {x, y} = tracePath(ctx, points, box, range);
    ctx.lineTo(x(points.length - 1), box.top + box.height);
    ctx.lineTo(x(0), box.top + box.height);
    ctx.closePath();
    const fade = ctx.createLinearGradient(0, box.top, 0, box.top + box.height);
    fade.addColorStop(0, `${colour}33`);
    fade.addColorStop(1, `${colour}00`);
    ctx.fillStyle = fade;
    ctx.fill();
    tracePath(ctx, points, box, range);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.lineJoin = 'round';
    ctx.stroke();
    const last = points[points.length - 1];
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.arc(x(points.length - 1), y(last.price), 4, 0, 2 * Math.PI);
    ctx.fill();
  }

  function changeText(entry) {
    const last = entry.points[entry.points.length - 1].price;
    const change = ((last - entry.first) / entry.first) * 100;
    return {text: `${change >= 0 ? '+' : ''}${change.toFixed(2)}%`, up: change >= 0};
  }

  function setChange(el, entry) {
    const {text, up} = changeText(entry);
    el.textContent = text;
    el.className = el.className.replace(/\b(up|down)\b/g, '').trim() + (up ? ' up' : ' down');
  }

  // Drawing waits for the next frame: a burst of ticks costs one redraw, not one each.
  function redraw() {
    frameRequested = false;
    for (const entry of symbols.values()) {
      const last = entry.points[entry.points.length - 1].price;
      entry.card.querySelector('.price').textContent = last.toFixed(2);
      entry.card.querySelector('.ticks').textContent = `${entry.count} ticks`;
      setChange(entry.card.querySelector('.change'), entry);
      entry.card.setAttribute('aria-pressed', String(entry.name === selected));
      drawSparkline(entry);
    }
    const entry = symbols.get(selected);
    if (!entry) return;
    $('chart-symbol').textContent = entry.name;
    $('chart-price').textContent = entry.points[entry.points.length - 1].price.toFixed(2);
    setChange($('chart-change'), entry);
    $('chart-note').textContent = `last ${entry.points.length} ticks`;
    drawChart(entry);
  }

  function requestRedraw() {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(redraw);
  }

  function card(name) {
    const el = document.createElement('button');
    el.type = 'button';
    el.className = 'symbol card';
    el.innerHTML = '<span class="name"></span><span class="price"></span>' +
        '<span class="ticks"></span><span class="change"></span><canvas></canvas>';
    el.querySelector('.name').textContent = name;
    el.addEventListener('click', () => {
      selected = name;
      requestRedraw();
    });
    $('symbols').append(el);
    return el;
  }

  function onTick({data}) {
    let tick;
    try {
      tick = JSON.parse(data);
    } catch (e) {
      return;  // not the feed's format: nothing to chart
    }
    if (typeof tick.symbol !== 'string' || typeof tick.price !== 'number') return;
    window.ticks.push(tick);
    let entry = symbols.get(tick.symbol);
    if (!entry) {
      entry = {name: tick.symbol, points: [], first: tick.price, count: 0, card: card(tick.symbol)};
      symbols.set(tick.symbol, entry);
      selected = selected || tick.symbol;
    }
    entry.points.push({t: tick.t, price: tick.price});
    if (entry.points.length > MAX_POINTS) entry.points.shift();
    entry.count++;
    requestRedraw();
  }

  const herald = new Herald.HeraldClient({
    transports: ['sse'],
    onState: ({state}) => {
      $('state').dataset.state = state;
      $('state').textContent = state === 'open' ? 'live' : state;
    },
  });
  herald.subscribe('ticks', onTick);
  window.addEventListener('resize', requestRedraw);
})();
