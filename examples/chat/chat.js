// The chat page: one HeraldClient on one WebSocket follows every room (each room a topic),
// and publishes what is typed to the open room. Tokens come from this page's backend
// (server.js), asked again for each connection so that an expired one is replaced on the
// next reconnect.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  // Messages kept per room; older ones scroll away for good.
  const MAX_MESSAGES = 300;
  const rooms = new Map();  // topic -> {name, messages, unread, button}
  let me = null;
  let current = null;
  let herald = null;

  async function fetchToken(user) {
    const response = await fetch('/token', {
      method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({user}),
    });
    if (!response.ok) throw new Error((await response.text()).trim());
    return (await response.json()).token;
  }

  // A stable colour per name, so each person keeps theirs on every screen; from a few that
  // are told apart at a glance, where hues picked freely come out alike too often.
  const COLOURS = ['#4353e8', '#17a34a', '#d9480f', '#9c36b5', '#0b7285', '#c2255c', '#5c940d',
    '#e67700'];
  function colourOf(name) {
    let hash = 0;
    for (const c of name) hash = (hash * 31 + c.codePointAt(0)) >>> 0;
    return COLOURS[hash % COLOURS.length];
  }

  function avatar(name) {
    const el = document.createElement('span');
    el.className = 'avatar';
    el.style.background = colourOf(name);
    el.textContent = name.slice(0, 1).toUpperCase();
    return el;
  }

  function messageItem({user, text, at}) {
    const li = document.createElement('li');
    if (user === me) li.className = 'mine';
    const bubble = document.createElement('div');
    bubble.className = 'bubble';
    const meta = document.createElement('div');
    meta.className = 'meta';
    const who = document.createElement('b');
    who.textContent = user;
    const time = document.createElement('time');
    time.textContent = new Date(at).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'});
    meta.append(who, time);
    const body = document.createElement('div');
    body.className = 'text';
    body.textContent = text;
    bubble.append(meta, body);
    li.append(avatar(user), bubble);
    return li;
  }

  function render() {
    const room = rooms.get(current);
    $('room-title').textContent = `# ${room.name}`;
    $('room-topic').textContent = `topic ${current}`;
    document.title = `#${room.name} · Herald chat`;
    for (const [topic, r] of rooms) {
      r.button.setAttribute('aria-current', String(topic === current));
      r.button.querySelector('.unread').textContent = r.unread || '';
    }
    const list = $('messages');
    if (room.messages.length === 0) {
      const empty = document.createElement('li');
      empty.className = 'empty';
      empty.textContent = 'No messages since you joined. Say hello!';
      list.replaceChildren(empty);
      return;
    }
    list.replaceChildren(...room.messages.map(messageItem));
    list.scrollTop = list.scrollHeight;
  }

  function open(topic) {
    current = topic;
    rooms.get(topic).unread = 0;
    history.replaceState(null, '', `#${rooms.get(topic).name}`);
    render();
    $('message').focus();
  }

  // Payloads are JSON written by this page; anything else on the topic is shown as it came.
  function parse(data) {
    try {
      const message = JSON.parse(data);
      if (typeof message.user === 'string' && typeof message.text === 'string') return message;
    } catch (e) { /* not this page's format: shown raw below */ }
    return {user: '?', text: String(data), at: Date.now()};
  }

  function receive(topic, event) {
    const room = rooms.get(topic);
    room.messages.push(parse(event.data));
    if (room.messages.length > MAX_MESSAGES) room.messages.shift();
    if (topic !== current) room.unread++;
    render();
  }

  function showState({state, reason}) {
    const el = $('state');
    el.dataset.state = state;
    el.textContent = state === 'reconnecting' && reason ? `reconnecting · ${reason}` : state;
    const ready = state === 'open';
    $('message').disabled = !ready;
    $('send').disabled = !ready;
  }

  async function join(config, name) {
    await fetchToken(name);  // the backend's verdict on the name, before anything connects
    me = name;
    $('me-name').textContent = name;
    $('me-avatar').replaceWith(Object.assign(avatar(name), {id: 'me-avatar'}));
    $('join-screen').hidden = true;
    herald = new Herald.HeraldClient({
      urls: [config.herald],
      transports: ['websocket'],  // publishing needs the WebSocket
      getToken: () => fetchToken(me),
      onState: showState,
      onError: (error) => { $('send-status').textContent = error.message; },
    });
    for (const topic of rooms.keys()) herald.subscribe(topic, (e) => receive(topic, e));
    render();
    $('message').focus();
  }

  async function send(event) {
    event.preventDefault();
    const input = $('message');
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    $('send-status').textContent = '';
    try {
      await herald.publish(current, JSON.stringify({user: me, text, at: Date.now()}),
          {event: 'message'});
    } catch (error) {
      $('send-status').textContent = `not sent: ${error.message}`;
      input.value = input.value || text;
    }
  }

  async function start() {
    const config = await (await fetch('/config.json')).json();
    for (const {name, topic} of config.rooms) {
      const button = document.createElement('button');
      button.type = 'button';
      button.innerHTML = '<span class="hash">#</span><span class="label"></span>' +
          '<span class="unread"></span>';
      button.querySelector('.label').textContent = name;
      button.addEventListener('click', () => open(topic));
      $('rooms').append(button);
      rooms.set(topic, {name, messages: [], unread: 0, button});
    }
    const wanted = config.rooms.find((r) => `#${r.name}` === location.hash);
    current = (wanted || config.rooms[0]).topic;
    render();
    $('composer').addEventListener('submit', send);
    $('join').addEventListener('submit', (event) => {
      event.preventDefault();
      $('join-error').textContent = '';
      join(config, $('name').value.trim()).catch((error) => {
        $('join-error').textContent = error.message;
      });
    });
  }

  start();
})();
