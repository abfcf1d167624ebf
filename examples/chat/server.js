// The chat's backend: serves the page and mints each visitor a short-lived Herald access
// token (an HS256 JWT, the claims broker/auth/browser_token.h checks) for the chat's rooms.
// The browser then talks to heraldd directly; this server never carries a message. Node's
// standard library only.
//
//   CHAT_PORT=3000 HERALD_URL=http://127.0.0.1:8080 HERALD_SECRET_FILE=secret \
//   CHAT_ROOMS=lobby,random node server.js
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');

const port = Number(process.env.CHAT_PORT || 3000);
const heraldUrl = process.env.HERALD_URL || 'http://127.0.0.1:8080';
const rooms = (process.env.CHAT_ROOMS || 'lobby').split(',').filter(Boolean);
const TOKEN_TTL_SECONDS = 600;
// Every room is a topic under this prefix, so one token claim ("chat.*") covers them all.
const TOPIC_PREFIX = 'chat.';
// heraldd reads the secret without trailing line breaks; so must we, or no token verifies.
const secret = fs.readFileSync(process.env.HERALD_SECRET_FILE || 'secret').toString()
    .replace(/[\r\n]+$/, '');

const files = {
  '/': {file: path.join(__dirname, 'index.html'), type: 'text/html; charset=utf-8'},
  '/chat.js': {file: path.join(__dirname, 'chat.js'), type: 'text/javascript; charset=utf-8'},
  '/herald.js': {
    file: path.join(__dirname, '../../clients/js/dist/herald.js'),
    type: 'text/javascript; charset=utf-8',
  },
};

const base64url = (data) => Buffer.from(data).toString('base64url');

function mintToken(user) {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({alg: 'HS256', typ: 'JWT'}));
  const claims = base64url(JSON.stringify({
    topics: `${TOPIC_PREFIX}*`, publish: true, sub: user, iat: now, exp: now + TOKEN_TTL_SECONDS,
  }));
  const signature = crypto.createHmac('sha256', secret).update(`${header}.${claims}`)
      .digest('base64url');
  return `${header}.${claims}.${signature}`;
}

function send(res, status, type, body) {
  res.writeHead(status, {'Content-Type': type, 'Cache-Control': 'no-store'});
  res.end(body);
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > limit) reject(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

// A real application would mint only for its signed-in users; the chat trusts the name typed.
async function handleToken(req, res) {
  let user;
  try {
    user = JSON.parse(await readBody(req, 1024)).user;
  } catch (e) {
    return send(res, 400, 'text/plain', 'send {"user": NAME} as JSON\n');
  }
  if (typeof user !== 'string' || !/^[\w .-]{1,24}$/.test(user)) {
    return send(res, 400, 'text/plain',
        'a name is 1 to 24 letters, digits, spaces, dots, dashes or underscores\n');
  }
  send(res, 200, 'application/json', JSON.stringify({token: mintToken(user)}));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (req.method === 'POST' && url.pathname === '/token') return void handleToken(req, res);
  if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed\n');
  if (url.pathname === '/config.json') {
    return send(res, 200, 'application/json', JSON.stringify({
      herald: heraldUrl, rooms: rooms.map((name) => ({name, topic: TOPIC_PREFIX + name})),
    }));
  }
  const entry = files[url.pathname];
  if (!entry) return send(res, 404, 'text/plain', 'not found\n');
  fs.readFile(entry.file, (error, body) => {
    if (error) return send(res, 500, 'text/plain', `cannot read ${url.pathname}\n`);
    send(res, 200, entry.type, body);
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`chat: serving http://127.0.0.1:${port}/ (rooms: ${rooms.join(', ')})`);
});
// Ctrl-C or the run script's kill: stop accepting and let open requests finish.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close());
