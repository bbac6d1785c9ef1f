// ESI web console. Every action calls the same public APIs as the CLI; the session is an HttpOnly cookie
// set by /ui/session, and each API call echoes the session's CSRF value in X-ESI-CSRF. Pages are built
// with DOM nodes, never innerHTML, so names from the API cannot inject markup.
'use strict';

const HOUR = 3600e3;
const DAY = 24 * HOUR;
let session = null;
let pageTimers = [];

// ---------- small helpers

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function $(sel) { return document.querySelector(sel); }

// API times are UTC, printed without an offset.
function parseTime(s) {
  if (!s) return null;
  let t = String(s).replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1');
  if (!/[zZ]|[+-]\d\d:?\d\d$/.test(t)) t += 'Z';
  const d = new Date(t);
  return isNaN(d) ? null : d;
}

function apiTime(d) { return d.toISOString().replace(/\.\d{3}Z$/, 'Z'); }

function utcText(d) { return d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC'); }

function localText(d) {
  if (d.getUTCFullYear() >= 9999) return 'open-ended';
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

// A time in the browser's zone, with UTC on hover.
function timeEl(value) {
  const d = value instanceof Date ? value : parseTime(value);
  if (!d) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: d.toISOString(), title: utcText(d) }, localText(d));
}

function inputValue(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function fromInput(v) {
  if (!v) return null;
  const d = new Date(v);
  return isNaN(d) ? null : d;
}

function nextHour(d) { return new Date(Math.ceil(d.getTime() / HOUR) * HOUR); }

function duration(ms) {
  const neg = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400); s %= 86400;
  const hh = Math.floor(s / 3600); s %= 3600;
  const mm = Math.floor(s / 60); s %= 60;
  const text = d > 0 ? `${d}d ${hh}h ${mm}m` : hh > 0 ? `${hh}h ${mm}m ${s}s` : `${mm}m ${s}s`;
  return neg ? `-${text}` : text;
}

function hasRole(...roles) { return !!session && roles.some((r) => session.roles.includes(r)); }

let saidAt = 0;

function say(message, ok) {
  saidAt = Date.now();
  const box = $('#alert');
  box.hidden = false;
  box.className = ok ? 'alert ok' : 'alert';
  box.setAttribute('role', ok ? 'status' : 'alert');
  box.textContent = message;
}

function clearSay() { const box = $('#alert'); box.hidden = true; box.textContent = ''; }

// ---------- API access

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

// The APIs speak three error dialects; the words a person should read are in a different place in each.
function errorText(status, body) {
  if (body && typeof body === 'object') {
    if (body.faultstring) return body.faultstring;
    if (body.error && body.error.message) return body.error.message;
    if (body.error_message) {
      try {
        const inner = JSON.parse(body.error_message);
        if (inner.faultstring) return inner.faultstring;
      } catch (e) { /* plain text */ }
      return body.error_message;
    }
    if (body.message) return body.message;
  }
  return `The server answered ${status}.`;
}

async function api(method, path, body, extraHeaders) {
  const headers = { 'Accept': 'application/json', ...(extraHeaders || {}) };
  if (session) headers['X-ESI-CSRF'] = session.csrf;
  if (path.startsWith('/baremetal/')) headers['X-OpenStack-Ironic-API-Version'] = 'latest';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'The ESI service cannot be reached. Check your connection and try again.');
  }
  const text = await res.text();
  let data = null;
  if (text) { try { data = JSON.parse(text); } catch (e) { data = text; } }
  if (res.status === 401 && session && path !== '/ui/session') {
    session = null;
    location.hash = '#/login';
    throw new ApiError(401, 'Your session has ended; please log in again.');
  }
  if (!res.ok) throw new ApiError(res.status, errorText(res.status, data));
  return data;
}

// Runs an action, shows its error in words, and re-renders on success.
async function act(button, work, done) {
  if (button) button.disabled = true;
  clearSay();
  try {
    const message = await work();
    if (message) say(message, true);
    if (done) await done();
  } catch (e) {
    say(e.message || String(e));
  } finally {
    if (button) button.disabled = false;
  }
}

// ---------- timeline

// rows: [{label, bars: [{start, end, kind, text, title, data}], pick: fn(start, end) | undefined}]
function timeline(from, to, rows, opts = {}) {
  const span = to - from;
  const pct = (t) => Math.max(0, Math.min(100, ((t - from) / span) * 100));
  const root = h('div', { class: 'timeline', role: 'group', 'aria-label': opts.label || 'Timeline' });
  const axisTrack = h('div', { class: 'tl-track', 'aria-hidden': 'true' });
  const ticks = 6;
  for (let i = 0; i <= ticks; i++) {
    const t = new Date(from.getTime() + (span * i) / ticks);
    const tick = h('span', { class: 'tl-tick', title: utcText(t) },
      t.toLocaleString(undefined, span > 3 * DAY ? { month: 'short', day: 'numeric' } : { weekday: 'short', hour: '2-digit', minute: '2-digit' }));
    tick.style.left = `${(i / ticks) * 100}%`;
    axisTrack.append(tick);
  }
  root.append(h('div', { class: 'tl-axis' }, h('div', { class: 'tl-label muted' }, opts.axisLabel || ''), axisTrack));
  const now = new Date();
  for (const row of rows) {
    const track = h('div', { class: row.pick ? 'tl-track pickable' : 'tl-track', dataset: row.data || {} });
    if (row.pick) track.setAttribute('title', 'Drag to pick a window');
    for (const b of row.bars) {
      const s = Math.max(b.start, from), e = Math.min(b.end, to);
      if (e <= s) continue;
      const title = `${b.text || ''}: ${localText(b.start)} – ${localText(b.end)} (${utcText(b.start)} – ${b.end.getUTCFullYear() >= 9999 ? 'open-ended' : utcText(b.end)})`;
      const bar = h('div', { class: `tl-bar ${b.kind}`, title, role: 'img', 'aria-label': title, dataset: b.data || {} }, b.text || '');
      bar.style.left = `${pct(s)}%`;
      bar.style.width = `${pct(e) - pct(s)}%`;
      track.append(bar);
    }
    if (now >= from && now <= to) {
      const mark = h('div', { class: 'tl-now', title: `now: ${utcText(now)}` }, rows.indexOf(row) === 0 ? h('span', {}, 'now') : null);
      mark.style.left = `${pct(now)}%`;
      track.append(mark);
    }
    if (row.pick) picker(track, from, to, row.pick);
    root.append(h('div', { class: 'tl-row' }, h('div', { class: 'tl-label' }, row.label), track));
  }
  return root;
}

// Drag on a track to pick a window, snapped to whole hours; the matching form fields are the keyboard way.
function picker(track, from, to, onPick) {
  let startX = null, sel = null;
  const timeAt = (x) => {
    const r = track.getBoundingClientRect();
    const f = Math.max(0, Math.min(1, (x - r.left) / r.width));
    return new Date(Math.round((from.getTime() + f * (to - from)) / HOUR) * HOUR);
  };
  const draw = (a, b) => {
    const r = track.getBoundingClientRect();
    const l = Math.min(a, b) - r.left, w = Math.abs(b - a);
    sel.style.left = `${(Math.max(0, l) / r.width) * 100}%`;
    sel.style.width = `${(w / r.width) * 100}%`;
  };
  track.addEventListener('pointerdown', (ev) => {
    if (ev.button !== 0) return;
    startX = ev.clientX;
    track.querySelectorAll('.tl-sel').forEach((n) => n.remove());
    sel = h('div', { class: 'tl-sel' });
    track.append(sel);
    draw(startX, startX);
    track.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  track.addEventListener('pointermove', (ev) => { if (startX !== null) draw(startX, ev.clientX); });
  track.addEventListener('pointerup', (ev) => {
    if (startX === null) return;
    const a = timeAt(startX), b = timeAt(ev.clientX);
    startX = null;
    if (a.getTime() === b.getTime()) { sel.remove(); return; }
    onPick(a < b ? a : b, a < b ? b : a);
  });
}

function legend(items) {
  return h('div', { class: 'legend' }, items.map(([kind, text]) => h('span', {}, h('i', { class: `swatch ${kind}`, 'aria-hidden': 'true' }), text)));
}

function table(columns, rows, empty) {
  if (!rows.length) return h('p', { class: 'empty' }, empty || 'Nothing to show.');
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows)));
}

function field(label, input) { return h('label', {}, label, input); }

// ---------- pages

const pages = {};

pages.login = async (main) => {
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, id: 'login-user' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, id: 'login-password' });
  const project = h('input', { name: 'project', autocomplete: 'organization', id: 'login-project', placeholder: 'default project' });
  const submit = h('button', { type: 'submit', id: 'login-submit' }, 'Log in');
  const form = h('form', { class: 'bar', 'aria-label': 'Log in' },
    field('User name', user), field('Password', pass), field('Project (optional)', project), submit);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const auth = { identity: { methods: ['password'], password: { user: { name: user.value.trim(), password: pass.value, domain: { id: 'default' } } } } };
    if (project.value.trim()) auth.scope = { project: { name: project.value.trim(), domain: { id: 'default' } } };
    act(submit, async () => {
      const r = await api('POST', '/ui/session', { auth });
      session = r.session;
      location.hash = hasRole('admin') ? '#/nodes' : hasRole('owner') ? '#/nodes' : '#/offers';
    });
  });
  main.append(h('div', { class: 'login' }, h('h1', {}, 'Log in to ESI'), form));
  user.focus();
};

// Lessee: offers with their free windows on a time axis; drag a window on a bar (or type it) to claim it.
pages.offers = async (main) => {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const start = fromInput(params.get('from')) || nextHour(new Date());
  const end = fromInput(params.get('to')) || new Date(start.getTime() + 3 * DAY);
  const rc = h('input', { id: 'offer-rc', value: params.get('rc') || '', placeholder: 'any' });
  const props = h('input', { id: 'offer-props', value: params.get('props') || '', placeholder: 'cpus>=8, memory_mb>=4096' });
  const from = h('input', { id: 'offer-from', type: 'datetime-local', value: inputValue(start), required: true });
  const to = h('input', { id: 'offer-to', type: 'datetime-local', value: inputValue(end), required: true });
  const search = h('form', { class: 'bar', 'aria-label': 'Find offers' },
    field('Resource class', rc), field('Properties', props), field('Free from', from), field('Free until', to),
    h('button', { type: 'submit', id: 'offer-search' }, 'Find'));
  search.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams({ rc: rc.value.trim(), props: props.value.trim(), from: from.value, to: to.value });
    location.hash = `#/offers?${q}`;
  });
  main.append(h('h1', {}, 'Offers I can claim'), search);
  if (end <= start) { say('"Free until" must be after "Free from".'); return; }

  const q = new URLSearchParams({ available_start_time: apiTime(start), available_end_time: apiTime(end) });
  if (rc.value.trim()) q.set('resource_class', rc.value.trim());
  const filters = parseProps(props.value);
  const offers = (await api('GET', `/lease/v1/offers?${q}`)).offers.filter((o) => matchesProps(o.resource_properties || {}, filters));

  const claimOffer = h('select', { id: 'claim-offer', required: true },
    offers.map((o) => h('option', { value: o.uuid }, `${o.resource || o.resource_uuid} (${o.resource_class || 'no class'}) · ${priceText(o)}`)));
  const claimFrom = h('input', { id: 'claim-from', type: 'datetime-local', value: inputValue(start), required: true });
  const claimTo = h('input', { id: 'claim-to', type: 'datetime-local', value: inputValue(new Date(start.getTime() + DAY)), required: true });
  const claimName = h('input', { id: 'claim-name', placeholder: 'optional' });
  const claimButton = h('button', { type: 'submit', id: 'claim-submit' }, 'Claim');
  const claim = h('form', { class: 'bar', 'aria-label': 'Claim a window' },
    field('Offer', claimOffer), field('From', claimFrom), field('Until', claimTo), field('Lease name', claimName), claimButton);
  claim.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const s = fromInput(claimFrom.value), e = fromInput(claimTo.value);
    if (!s || !e || e <= s) { say('Pick a window whose end is after its start.'); return; }
    const body = { start_time: apiTime(s), end_time: apiTime(e) };
    if (claimName.value.trim()) body.name = claimName.value.trim();
    act(claimButton, async () => {
      const lease = await api('POST', `/lease/v1/offers/${encodeURIComponent(claimOffer.value)}/claim`, body);
      location.hash = '#/leases';
      return `Lease ${lease.name || lease.uuid} created on ${lease.resource || lease.resource_uuid}, ${localText(parseTime(lease.start_time))} – ${localText(parseTime(lease.end_time))}.`;
    });
  });

  const rows = offers.map((o) => ({
    label: h('span', {}, h('strong', {}, o.resource || o.resource_uuid), h('br'),
      h('span', { class: 'muted' }, [o.resource_class, priceText(o)].filter(Boolean).join(' · '))),
    data: { offer: o.uuid },
    bars: (o.availabilities || []).map(([s, e]) => ({ start: parseTime(s), end: parseTime(e), kind: 'free', text: 'free', data: { offer: o.uuid } })),
    pick: (s, e) => {
      claimOffer.value = o.uuid;
      claimFrom.value = inputValue(s);
      claimTo.value = inputValue(e);
      claimTo.focus();
    },
  }));
  main.append(h('h2', {}, `${offers.length} offer${offers.length === 1 ? '' : 's'} free in this window`));
  if (!offers.length) { main.append(h('p', { class: 'empty' }, 'No offer has a free window in this range. Try a wider range or fewer filters.')); return; }
  main.append(legend([['free', 'free to claim']]),
    timeline(start, end, rows, { label: 'Free windows of each offer', axisLabel: 'drag on a row to pick' }), claim);
};

// An offer's or lease's asking price as a person reads it.
function priceText(x) { return x.price ? `${x.price} credits/h` : 'free'; }

function parseProps(text) {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = s.match(/^([^<>=!]+?)\s*(>=|<=|==|!=|=|>|<)\s*(.+)$/);
    if (!m) throw new ApiError(400, `"${s}" is not a property filter; use key>=value, key<value, key=value ...`);
    return [m[1].trim(), m[2], m[3].trim()];
  });
}

function matchesProps(properties, filters) {
  return filters.every(([key, op, want]) => {
    const have = properties[key];
    if (have === undefined || have === null) return false;
    const a = Number(have), b = Number(want);
    const numeric = !isNaN(a) && !isNaN(b);
    const x = numeric ? a : String(have), y = numeric ? b : want;
    switch (op) {
      case '>=': return x >= y;
      case '<=': return x <= y;
      case '>': return x > y;
      case '<': return x < y;
      case '!=': return x !== y;
      default: return x === y;
    }
  });
}

// A timeline range holding every bar and now: from an hour ago (or the first start) to `ahead` from now (or the last end that has one).
function rangeAround(starts, ends, ahead = DAY) {
  const now = Date.now();
  return [new Date(Math.min(now - HOUR, ...starts.map(Number))),
    new Date(Math.max(now + ahead, ...ends.map(Number).filter((t) => t < Date.UTC(9999, 0))))];
}

// My leases, with countdowns and a timeline.
pages.leases = async (main) => {
  const leases = (await api('GET', '/lease/v1/leases')).leases;
  main.append(h('h1', {}, 'Leases'));
  if (!leases.length) { main.append(h('p', { class: 'empty' }, 'No current or future leases. Claim one from the offers page.')); return; }
  const starts = leases.map((l) => parseTime(l.start_time)), ends = leases.map((l) => parseTime(l.end_time));
  const [from, to] = rangeAround(starts, ends);
  const mine = leases.filter((l) => l.project_id === session.project.id);
  const priced = leases.some((l) => l.cost);
  const rows = leases.map((l, i) => ({
    label: h('span', {}, h('strong', {}, l.resource || l.resource_uuid), h('br'), h('span', { class: 'muted' }, l.name || l.uuid.slice(0, 8))),
    data: { lease: l.uuid },
    bars: [{ start: starts[i], end: ends[i], kind: l.parent_lease_uuid ? 'sublease' : 'lease', text: `${l.project} ${l.status}`, data: { lease: l.uuid } }],
  }));
  main.append(legend([['lease', 'lease'], ['sublease', 'sub-lease']]), timeline(from, to, rows, { label: 'Lease timeline' }));
  const body = leases.map((l, i) => {
    const countdown = h('span', { class: 'countdown', dataset: { start: starts[i].toISOString(), end: ends[i].toISOString() } });
    const cancel = h('button', { class: 'danger', type: 'button', 'aria-label': `Cancel lease ${l.name || l.uuid}` }, 'Cancel');
    cancel.addEventListener('click', () => {
      if (!confirm(`Cancel lease ${l.name || l.uuid}? The node will be powered off and cleaned.`)) return;
      act(cancel, async () => { await api('DELETE', `/lease/v1/leases/${l.uuid}`); return 'Lease cancelled.'; }, () => route());
    });
    return h('tr', { dataset: { lease: l.uuid } },
      h('td', {}, l.name || l.uuid), h('td', {}, l.resource || l.resource_uuid), h('td', {}, l.project), h('td', {}, l.owner),
      h('td', {}, timeEl(l.start_time)), h('td', {}, timeEl(l.end_time)), h('td', { class: 'status' }, l.status), h('td', {}, countdown),
      priced ? h('td', { class: 'num' }, l.cost ? `${l.cost} (${l.price}/h)` : 'free') : null, h('td', { class: 'actions' }, cancel));
  });
  main.append(h('h2', {}, mine.length === leases.length ? 'My leases' : 'Leases I hold or granted'),
    table(['Lease', 'Node', 'Lessee', 'Owner', 'Start', 'End', 'Status', 'Countdown', ...(priced ? ['Cost'] : []), ''], body));
  const tick = () => {
    const t = Date.now();
    document.querySelectorAll('.countdown').forEach((el) => {
      const s = Date.parse(el.dataset.start), e = Date.parse(el.dataset.end);
      el.textContent = t < s ? `starts in ${duration(s - t)}` : e >= Date.UTC(9999, 0) ? 'running, open-ended' : t < e ? `ends in ${duration(e - t)}` : 'ended';
    });
  };
  tick();
  pageTimers.push(setInterval(tick, 1000));
};

// My nodes: power, deploy, console and networks for lessees; a link to each node's schedule for owners.
pages.nodes = async (main) => {
  const nodes = (await api('GET', '/lease/v1/nodes')).nodes;
  main.append(h('h1', {}, 'Nodes'));
  const detail = h('div', { id: 'node-detail' });
  const rows = nodes.map((n) => {
    const btn = (text, fn, cls) => { const b = h('button', { type: 'button', class: cls || 'secondary', 'aria-label': `${text} ${n.name || n.uuid}` }, text); b.addEventListener('click', () => fn(b)); return b; };
    const power = (target) => (b) => act(b, async () => {
      await api('PUT', `/baremetal/v1/nodes/${n.uuid}/states/power`, { target });
      return `${n.name || n.uuid}: ${target} requested.`;
    }, () => setTimeout(route, 800));
    return h('tr', { dataset: { node: n.uuid } },
      h('td', {}, h('a', { href: `#/node/${n.uuid}` }, n.name || n.uuid)), h('td', {}, n.owner || ''), h('td', {}, n.lessee || ''),
      h('td', {}, n.resource_class || ''), h('td', { class: 'status' }, n.power_state || 'unknown'), h('td', {}, n.provision_state),
      h('td', { class: 'actions' },
        btn('Power on', power('power on')), btn('Power off', power('power off')),
        btn('Deploy', () => deployPanel(detail, n)), btn('Console', () => consolePanel(detail, n)),
        btn('Networks', () => networkPanel(detail, n)), h('a', { href: `#/node/${n.uuid}` }, 'Schedule')));
  });
  main.append(table(['Node', 'Owner', 'Lessee', 'Class', 'Power', 'Provision state', 'Actions'], rows,
    'No nodes are yours or leased to you.'), detail);
};

function panel(container, title, ...content) {
  container.replaceChildren(h('section', { class: 'panel', 'aria-label': title }, h('h2', {}, title), ...content));
  container.querySelector('h2').setAttribute('tabindex', '-1');
  container.querySelector('h2').focus();
}

function deployPanel(container, n) {
  const image = h('input', { id: 'deploy-image', type: 'url', required: true, placeholder: 'https://example.org/image.iso' });
  const go = h('button', { type: 'submit' }, 'Deploy');
  const form = h('form', { class: 'bar' }, field('Image URL', image), go);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(go, async () => {
      await api('PATCH', `/baremetal/v1/nodes/${n.uuid}`, [{ op: 'add', path: '/instance_info/image_source', value: image.value.trim() }]);
      await api('PUT', `/baremetal/v1/nodes/${n.uuid}/states/provision`, { target: 'active' });
      return `Deploying ${image.value.trim()} to ${n.name || n.uuid}.`;
    });
  });
  panel(container, `Deploy ${n.name || n.uuid}`, form);
}

function consolePanel(container, n) {
  const out = h('div', { class: 'console', role: 'log', 'aria-live': 'polite', 'aria-label': 'Console output' });
  const line = h('input', { id: 'console-input', 'aria-label': 'Send to console', autocomplete: 'off' });
  const send = h('button', { type: 'submit' }, 'Send');
  const form = h('form', { class: 'bar' }, line, send);
  let socket = null;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(`${line.value}\r`); line.value = ''; }
  });
  panel(container, `Console of ${n.name || n.uuid}`, out, form);
  act(null, async () => {
    await api('PUT', `/baremetal/v1/nodes/${n.uuid}/states/console`, { enabled: true });
    socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/baremetal/v1/nodes/${n.uuid}/console/stream`);
    socket.binaryType = 'arraybuffer';
    const decoder = new TextDecoder();
    socket.onmessage = (m) => { out.textContent += typeof m.data === 'string' ? m.data : decoder.decode(m.data); out.scrollTop = out.scrollHeight; };
    socket.onclose = (c) => { out.textContent += `\n[console closed${c.reason ? `: ${c.reason}` : ''}]\n`; };
    pageTimers.push({ close: () => socket.close() });
  });
}

async function networkPanel(container, n) {
  const draw = async () => {
    const [att, nets] = await Promise.all([
      api('GET', `/network/v1/nodes/${n.uuid}/attachments`), api('GET', '/network/v1/networks')]);
    const rows = att.attachments.map((a) => {
      const detach = h('button', { type: 'button', class: 'danger' }, 'Detach');
      detach.addEventListener('click', () => act(detach, async () => {
        await api('DELETE', `/network/v1/nodes/${n.uuid}/attachments/${a.id}`); return 'Detached.';
      }, draw));
      return h('tr', {}, h('td', {}, a.mac_address || ''), h('td', {}, a.network ? `${a.network.name} (VLAN ${a.network.vlan_id})` : a.trunk ? `trunk ${a.trunk.name}` : ''),
        h('td', {}, a.status), h('td', {}, a.last_error || ''), h('td', { class: 'actions' }, detach));
    });
    const pick = h('select', { id: 'attach-network' }, nets.networks.map((x) => h('option', { value: x.id }, `${x.name} (VLAN ${x.vlan_id})`)));
    const go = h('button', { type: 'submit' }, 'Attach');
    const form = h('form', { class: 'bar' }, field('Network', pick), go);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      act(go, async () => { await api('POST', `/network/v1/nodes/${n.uuid}/attachments`, { network: pick.value }); return 'Attached.'; }, draw);
    });
    panel(container, `Networks of ${n.name || n.uuid}`, table(['MAC', 'Network', 'Status', 'Error', ''], rows, 'Nothing attached.'),
      nets.networks.length ? form : h('p', { class: 'empty' }, 'No network you may use; create one with esi network create.'));
  };
  await act(null, draw);
}

// The owner's attestation policy (PCRs and golden values) and the node's last result: passed when, or why it failed.
async function attestationSection(uuid) {
  const section = h('section', { id: 'attestation', 'aria-label': 'Attestation' }, h('h2', {}, 'Attestation'));
  let n;
  try { n = await api('GET', `/baremetal/v1/nodes/${encodeURIComponent(uuid)}`); } catch (e) { return section; }
  const policy = (n.driver_info && n.driver_info.attestation) || (n.properties && n.properties.attestation);
  if (!policy || typeof policy !== 'object') {
    section.append(h('p', { class: 'empty' }, 'No attestation policy: the node is erased at every lease end, but not attested.'));
    return section;
  }
  const golden = policy.golden || {};
  section.append(table([`PCR (${policy.hash_algo || 'sha256'})`, 'Golden value'], (policy.pcrs || []).map((p) => h('tr', { dataset: { pcr: p } },
    h('td', {}, String(p)), h('td', { class: 'mono' }, golden[String(p)] || ''))), 'No PCRs.'));
  const dii = n.driver_internal_info || {};
  const failed = n.maintenance && (n.maintenance_reason || '').startsWith('Attestation failed');
  section.append(h('p', { class: failed ? 'status failed' : 'status', id: 'attestation-result' },
    failed ? `Failed — in maintenance, held from lessees: ${n.maintenance_reason}`
      : dii.attestation_passed_at ? `Passed at ${utcText(parseTime(dii.attestation_passed_at))}.` : 'Not attested yet: the next cleaning attests it.'));
  return section;
}

// Owner: one node's offers, leases and sub-leases over a range; drag on the offer row (or use the form) to offer a window.
pages.node = async (main, id) => {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const start = fromInput(params.get('from')) || new Date(Date.now() - DAY);
  const end = fromInput(params.get('to')) || new Date(Date.now() + 30 * DAY);
  const q = new URLSearchParams({ start: apiTime(start), end: apiTime(end) });
  const s = await api('GET', `/lease/v1/nodes/${encodeURIComponent(id)}/schedule?${q}`);
  const from = h('input', { id: 'range-from', type: 'datetime-local', value: inputValue(start) });
  const to = h('input', { id: 'range-to', type: 'datetime-local', value: inputValue(end) });
  const range = h('form', { class: 'bar', 'aria-label': 'Range' }, field('From', from), field('Until', to), h('button', { type: 'submit' }, 'Show'));
  range.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = `#/node/${id}?${new URLSearchParams({ from: from.value, to: to.value })}`;
  });

  const offerFrom = h('input', { id: 'new-offer-from', type: 'datetime-local', value: inputValue(nextHour(new Date())), required: true });
  const offerTo = h('input', { id: 'new-offer-to', type: 'datetime-local', value: inputValue(new Date(nextHour(new Date()).getTime() + 7 * DAY)), required: true });
  const offerLessee = h('input', { id: 'new-offer-lessee', placeholder: 'anyone' });
  const offerName = h('input', { id: 'new-offer-name', placeholder: 'optional' });
  const offerPrice = h('input', { id: 'new-offer-price', inputmode: 'decimal', placeholder: 'free' });
  const offerButton = h('button', { type: 'submit', id: 'new-offer-submit' }, 'Create offer');
  const offerForm = h('form', { class: 'bar', 'aria-label': 'Create an offer' },
    field('From', offerFrom), field('Until', offerTo), field('Only for project', offerLessee), field('Offer name', offerName),
    field('Price (credits per node-hour)', offerPrice), offerButton);
  offerForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const a = fromInput(offerFrom.value), b = fromInput(offerTo.value);
    if (!a || !b || b <= a) { say('Pick a window whose end is after its start.'); return; }
    const body = { resource_uuid: s.node.uuid, start_time: apiTime(a), end_time: apiTime(b) };
    if (offerLessee.value.trim()) body.lessee_id = offerLessee.value.trim();
    if (offerName.value.trim()) body.name = offerName.value.trim();
    if (offerPrice.value.trim()) body.price = offerPrice.value.trim();
    act(offerButton, async () => { const o = await api('POST', '/lease/v1/offers', body); return `Offer ${o.name || o.uuid} created.`; }, () => route());
  });

  const offers = s.offers, leases = s.leases.filter((l) => !l.parent_lease_uuid), subs = s.leases.filter((l) => l.parent_lease_uuid);
  const bar = (x, kind, text) => ({ start: parseTime(x.start_time), end: parseTime(x.end_time), kind, text, data: { uuid: x.uuid } });
  const rows = [
    { label: 'Offers', data: { row: 'offers' }, bars: offers.map((o) => bar(o, 'offer', o.name || o.status)),
      pick: (a, b) => { offerFrom.value = inputValue(a); offerTo.value = inputValue(b); offerLessee.focus(); } },
    { label: 'Leases', data: { row: 'leases' }, bars: leases.map((l) => bar(l, 'lease', `${l.project} ${l.status}`)) },
    { label: 'Sub-leases', data: { row: 'subleases' }, bars: subs.map((l) => bar(l, 'sublease', `${l.project} ${l.status}`)) },
  ];
  main.append(h('h1', {}, `Schedule of ${s.node.name || s.node.uuid}`), range,
    legend([['offer', 'offer'], ['lease', 'lease'], ['sublease', 'sub-lease']]),
    timeline(parseTime(s.start), parseTime(s.end), rows, { label: `Schedule of ${s.node.name || s.node.uuid}`, axisLabel: 'drag on Offers to offer a window' }),
    offerForm);
  const cancelButton = (kind, x) => {
    const b = h('button', { type: 'button', class: 'danger', 'aria-label': `Cancel ${kind} ${x.name || x.uuid}` }, 'Cancel');
    b.addEventListener('click', () => {
      if (!confirm(`Cancel ${kind} ${x.name || x.uuid}?`)) return;
      act(b, async () => { await api('DELETE', `/lease/v1/${kind}s/${x.uuid}`); return `The ${kind} is cancelled.`; }, () => route());
    });
    return b;
  };
  main.append(h('h2', {}, 'Offers'), table(['Offer', 'For', 'Price', 'Start', 'End', 'Status', ''], offers.map((o) => h('tr', { dataset: { offer: o.uuid } },
    h('td', {}, o.name || o.uuid), h('td', {}, o.lessee || 'anyone'), h('td', {}, priceText(o)), h('td', {}, timeEl(o.start_time)), h('td', {}, timeEl(o.end_time)),
    h('td', { class: 'status' }, o.status), h('td', { class: 'actions' }, cancelButton('offer', o)))), 'No offers in this range.'));
  main.append(h('h2', {}, 'Leases'), table(['Lease', 'Lessee', 'Start', 'End', 'Status', ''], s.leases.map((l) => h('tr', { dataset: { lease: l.uuid } },
    h('td', {}, l.name || l.uuid), h('td', {}, l.project), h('td', {}, timeEl(l.start_time)), h('td', {}, timeEl(l.end_time)),
    h('td', { class: 'status' }, l.status), h('td', { class: 'actions' }, cancelButton('lease', l)))), 'No leases in this range.'));
  main.append(await attestationSection(s.node.uuid));
};

// ---------- pools (/cluster/v1)

const memberStatuses = ['claiming', 'deploying', 'ready', 'draining', 'releasing', 'failed'];

function memberCounts(counts) {
  const parts = memberStatuses.filter((st) => (counts || {})[st]).map((st) => `${counts[st]} ${st}`);
  return parts.length ? parts.join(', ') : 'none';
}

// Lessee (admin: every project's): the pools, their sizes and their members counted by status.
pages.pools = async (main) => {
  const pools = (await api('GET', '/cluster/v1/pools')).pools;
  main.append(h('h1', {}, 'Pools'));
  const all = hasRole('admin');
  main.append(table(['Pool', ...(all ? ['Project'] : []), 'Class', 'Desired', 'Min', 'Max', 'Members', 'Status', 'Last error'],
    pools.map((p) => h('tr', { dataset: { pool: p.uuid } },
      h('td', {}, h('a', { href: `#/pool/${p.uuid}` }, p.name)), all ? h('td', { class: 'muted' }, p.project_id) : null,
      h('td', {}, p.resource_class), h('td', {}, p.desired_size), h('td', {}, p.min_size), h('td', {}, p.max_size),
      h('td', { class: 'counts' }, memberCounts(p.members)), h('td', { class: 'status' }, p.status), h('td', {}, p.last_error || ''))),
    'No pools in this project. A pool is created through the API (POST /cluster/v1/pools, see docs/clusters.md).'));
};

// One pool: its size form, its members (with their leases on a timeline, now marked) and its scale history, redrawn every few seconds.
pages.pool = async (main, id) => {
  const base = `/cluster/v1/pools/${encodeURIComponent(id)}`;
  const first = await api('GET', base);
  const title = h('h1', {}, `Pool ${first.name}`);
  const size = h('input', { id: 'pool-desired', type: 'number', step: 1, value: first.desired_size, required: true });
  const sizeButton = h('button', { type: 'submit', id: 'pool-resize' }, 'Set size');
  const sizeForm = h('form', { class: 'bar', 'aria-label': 'Change the desired size' }, field('Desired size', size), sizeButton);
  const live = h('div', { id: 'pool-live' });
  let shown = '';
  // Redrawn only when something changed, so a focused button is not taken away every few seconds.
  const draw = async () => {
    const got = await Promise.all([api('GET', base), api('GET', `${base}/members`), api('GET', `${base}/history`), api('GET', '/lease/v1/leases')]);
    const key = JSON.stringify(got);
    if (key === shown) return;
    shown = key;
    const [p, members, history, leases] = got;
    live.replaceChildren(...poolSections(p, members.members, history.history, leases.leases, draw));
  };
  sizeForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const want = Number(size.value);
    if (size.value.trim() === '' || !Number.isInteger(want)) { say('The desired size is a whole number.'); return; }
    act(sizeButton, async () => {
      const p = await api('PATCH', base, { desired_size: want });
      return `Pool ${p.name}: desired size is now ${p.desired_size}.`;
    }, draw);
  });
  main.append(title, sizeForm, live);
  await draw();
  // A failing refresh says why once, not every 2 s.
  let failed = '';
  pageTimers.push(setInterval(() => draw().then(() => { failed = ''; }, (e) => {
    if (e.message !== failed) say(e.message);
    failed = e.message;
  }), 2000));
};

function poolSections(p, members, history, leases, redraw) {
  const leaseStart = new Map(leases.map((l) => [l.uuid, parseTime(l.start_time)]));
  // A lease the caller cannot list (the admin's view of another project) starts, at the latest, when the member was made.
  const starts = members.map((m) => leaseStart.get(m.lease_uuid) || parseTime(m.created_at));
  const ends = members.map((m) => parseTime(m.lease_end));
  const summary = h('p', { id: 'pool-summary' }, `Desired ${p.desired_size} (min ${p.min_size}, max ${p.max_size}) · ${p.resource_class}`,
    p.properties.length ? ` · ${p.properties.join(', ')}` : '', ` · members: ${memberCounts(p.members)}`);
  const out = [summary];
  if (p.last_error) out.push(h('p', { class: 'status failed', id: 'pool-last-error' }, `Last error: ${p.last_error}`));
  out.push(h('h2', {}, 'Members'));
  if (members.length) {
    const [from, to] = rangeAround(starts, ends, HOUR);
    const rows = members.map((m, i) => ({
      label: h('span', {}, h('strong', {}, m.node_name || m.node_uuid), h('br'), h('span', { class: 'muted' }, m.status)),
      data: { member: m.node_uuid },
      bars: [{ start: starts[i], end: ends[i], kind: 'lease', text: `${m.node_name || m.node_uuid} ${m.status}`, data: { lease: m.lease_uuid } }],
    }));
    out.push(legend([['lease', 'member lease']]), timeline(from, to, rows, { label: `Leases of the members of ${p.name}` }));
  }
  const byLease = new Map(members.map((m) => [m.lease_uuid, m.node_name || m.node_uuid]));
  out.push(table(['Node', 'Status', 'Reason', 'Provider ID', 'Lease end', ''], members.map((m) => {
    const name = m.node_name || m.node_uuid;
    const reason = [m.reason, m.replaces ? `replaces ${byLease.get(m.replaces) || 'a member whose lease ends'}` : null].filter(Boolean).join('; ');
    const remove = h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${name}` }, 'Remove');
    remove.addEventListener('click', () => {
      if (!confirm(`Remove ${name} from pool ${p.name}? Its lease ends, the machine is wiped, and the desired size drops by one.`)) return;
      act(remove, async () => {
        await api('DELETE', `/cluster/v1/pools/${p.uuid}/members/${encodeURIComponent(m.node_uuid)}`);
        return `${name} is being released from pool ${p.name}.`;
      }, redraw);
    });
    return h('tr', { dataset: { member: m.node_uuid } },
      h('td', {}, name), h('td', { class: 'status' }, m.status), h('td', {}, reason), h('td', { class: 'mono' }, m.provider_id),
      h('td', {}, timeEl(m.lease_end)), h('td', { class: 'actions' }, remove));
  }), 'No members.'));
  out.push(h('h2', {}, 'Scale history'), table(['Time', 'Size', 'Reason'], history.slice().reverse().map((x) => h('tr', { dataset: { history: x.time } },
    h('td', {}, timeEl(x.time)), h('td', {}, `${x.from} → ${x.to}`), h('td', {}, x.reason || ''))), 'The size has not changed.'));
  return out;
}

// Owner: node-hours leased over the last 30 days, per lessee.
pages.usage = async (main) => {
  const to = new Date(), from = new Date(to.getTime() - 30 * DAY);
  const q = new URLSearchParams({ status: 'any', start_time: apiTime(from), end_time: apiTime(to) });
  if (!hasRole('admin')) q.set('owner_id', session.project.id);
  const leases = (await api('GET', `/lease/v1/leases?${q}`)).leases;
  const hours = new Map();
  for (const l of leases) {
    const began = parseTime(l.fulfill_time);
    if (!began) continue; // never started: nothing was used
    const ended = parseTime(l.expire_time) || new Date(Math.min(to, parseTime(l.end_time)));
    const ms = Math.min(ended, to) - Math.max(began, from);
    if (ms > 0) hours.set(l.project, (hours.get(l.project) || 0) + ms / HOUR);
  }
  const data = [...hours.entries()].sort((a, b) => b[1] - a[1]);
  const total = data.reduce((s, [, v]) => s + v, 0);
  main.append(h('h1', {}, 'Usage, last 30 days'),
    h('p', {}, `${total.toFixed(1)} node-hours leased between `, timeEl(from), ' and ', timeEl(to), '.'));
  if (!data.length) { main.append(h('p', { class: 'empty' }, 'No lease ran on your nodes in the last 30 days.')); return; }
  const max = data[0][1], rowH = 28, labelW = 160, width = 640;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('viewBox', `0 0 ${width} ${data.length * rowH + 8}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Node-hours per lessee: ${data.map(([p, v]) => `${p} ${v.toFixed(1)}`).join(', ')}`);
  data.forEach(([project, v], i) => {
    const y = i * rowH + 4;
    const label = document.createElementNS(ns, 'text');
    label.setAttribute('x', 0); label.setAttribute('y', y + 17); label.textContent = project;
    const rect = document.createElementNS(ns, 'rect');
    rect.setAttribute('x', labelW); rect.setAttribute('y', y); rect.setAttribute('height', rowH - 8);
    rect.setAttribute('width', Math.max(2, ((width - labelW - 80) * v) / max));
    const value = document.createElementNS(ns, 'text');
    value.setAttribute('x', labelW + Math.max(2, ((width - labelW - 80) * v) / max) + 6); value.setAttribute('y', y + 17);
    value.textContent = `${v.toFixed(1)} h`;
    svg.append(label, rect, value);
  });
  main.append(h('div', { class: 'panel' }, svg),
    table(['Lessee', 'Node-hours'], data.map(([p, v]) => h('tr', {}, h('td', {}, p), h('td', {}, v.toFixed(1))))));
};

// The event stream, newest first, polled by last_event_id.
pages.events = async (main) => {
  const body = h('tbody', {});
  main.append(h('h1', {}, 'Events'), h('p', { class: 'muted' }, 'New events appear as they happen.'),
    h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['#', 'Time', 'Event', 'Object', 'Node', 'Lessee', 'Owner'].map((c) => h('th', { scope: 'col' }, c)))), body)));
  let last = 0;
  const poll = async () => {
    for (let more = true; more;) {
      const page = await api('GET', `/lease/v1/events?last_event_id=${last}&limit=200`);
      for (const e of page.events) {
        last = Math.max(last, e.id);
        body.prepend(h('tr', {}, h('td', {}, e.id), h('td', {}, timeEl(e.event_time)), h('td', {}, e.event_type),
          h('td', {}, `${e.object_type} ${String(e.object_uuid).slice(0, 8)}`), h('td', {}, String(e.resource_uuid || '').slice(0, 8)),
          h('td', {}, e.lessee_id || ''), h('td', {}, e.owner_id || '')));
      }
      more = page.events.length === 200;
    }
  };
  await poll();
  pageTimers.push(setInterval(() => poll().catch((e) => say(e.message)), 3000));
};

// Admin: projects, users and role assignments.
pages.admin = async (main) => {
  const [projects, users, roles, assignments] = await Promise.all([
    api('GET', '/identity/v3/projects'), api('GET', '/identity/v3/users'), api('GET', '/identity/v3/roles'),
    api('GET', '/identity/v3/role_assignments')]);
  const pname = new Map(projects.projects.map((p) => [p.id, p.name]));
  const uname = new Map(users.users.map((u) => [u.id, u.name]));
  const rname = new Map(roles.roles.map((r) => [r.id, r.name]));
  main.append(h('h1', {}, 'Administration'));

  const newProject = h('input', { id: 'new-project-name', required: true });
  const newProjectDesc = h('input', { id: 'new-project-description' });
  const pButton = h('button', { type: 'submit' }, 'Create project');
  const pForm = h('form', { class: 'bar', 'aria-label': 'Create a project' }, field('Name', newProject), field('Description', newProjectDesc), pButton);
  pForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(pButton, async () => { await api('POST', '/identity/v3/projects', { project: { name: newProject.value.trim(), description: newProjectDesc.value } }); return 'Project created.'; }, () => route());
  });
  main.append(h('h2', {}, 'Projects'), pForm, table(['Name', 'ID', 'Enabled', 'Description'],
    projects.projects.map((p) => h('tr', {}, h('td', {}, p.name), h('td', { class: 'muted' }, p.id), h('td', {}, p.enabled ? 'yes' : 'no'), h('td', {}, p.description || '')))));

  const projectOptions = () => projects.projects.map((p) => h('option', { value: p.id }, p.name));
  const newUser = h('input', { id: 'new-user-name', required: true, autocomplete: 'off' });
  const newPass = h('input', { id: 'new-user-password', type: 'password', required: true, autocomplete: 'new-password' });
  const newUserProject = h('select', { id: 'new-user-project' }, h('option', { value: '' }, 'none'), projectOptions());
  const uButton = h('button', { type: 'submit' }, 'Create user');
  const uForm = h('form', { class: 'bar', 'aria-label': 'Create a user' }, field('Name', newUser), field('Password', newPass), field('Default project', newUserProject), uButton);
  uForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const user = { name: newUser.value.trim(), password: newPass.value };
    if (newUserProject.value) user.default_project_id = newUserProject.value;
    act(uButton, async () => { await api('POST', '/identity/v3/users', { user }); return 'User created.'; }, () => route());
  });
  main.append(h('h2', {}, 'Users'), uForm, table(['Name', 'ID', 'Enabled', 'Default project'],
    users.users.map((u) => h('tr', {}, h('td', {}, u.name), h('td', { class: 'muted' }, u.id), h('td', {}, u.enabled ? 'yes' : 'no'), h('td', {}, pname.get(u.default_project_id) || '')))));

  const gProject = h('select', { id: 'grant-project' }, projectOptions());
  const gUser = h('select', { id: 'grant-user' }, users.users.map((u) => h('option', { value: u.id }, u.name)));
  const gRole = h('select', { id: 'grant-role' }, roles.roles.map((r) => h('option', { value: r.id }, r.name)));
  const gButton = h('button', { type: 'submit' }, 'Grant role');
  const gForm = h('form', { class: 'bar', 'aria-label': 'Grant a role' }, field('Project', gProject), field('User', gUser), field('Role', gRole), gButton);
  gForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(gButton, async () => { await api('PUT', `/identity/v3/projects/${gProject.value}/users/${gUser.value}/roles/${gRole.value}`); return 'Role granted.'; }, () => route());
  });
  const aRows = assignments.role_assignments.map((a) => {
    const p = a.scope && a.scope.project ? a.scope.project.id : '', u = a.user ? a.user.id : '', r = a.role ? a.role.id : '';
    const revoke = h('button', { type: 'button', class: 'danger' }, 'Revoke');
    revoke.addEventListener('click', () => act(revoke, async () => { await api('DELETE', `/identity/v3/projects/${p}/users/${u}/roles/${r}`); return 'Role revoked.'; }, () => route()));
    return h('tr', {}, h('td', {}, uname.get(u) || u), h('td', {}, rname.get(r) || r), h('td', {}, pname.get(p) || p), h('td', { class: 'actions' }, revoke));
  });
  main.append(h('h2', {}, 'Role assignments'), gForm, table(['User', 'Role', 'Project', ''], aRows));
};


// ---------- credits (/market/v1)

// A fresh Idempotency-Key per submitted form: a retried request is then answered once. getRandomValues works
// where randomUUID does not (a console served over plain http from another host).
function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

function svgEl(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// A section that says so when its route is not on this server (yet) instead of failing the page.
async function optional(title, load) {
  try {
    return await load();
  } catch (e) {
    if (e.status === 404) return [h('p', { class: 'empty' }, `${title} is not available on this server.`)];
    return [h('p', { class: 'status failed' }, e.message)];
  }
}

// A chart's end time: to the second when the chart spans less than a day, so its two ends differ.
function axisTime(d, span) {
  return span < DAY ? d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }) : localText(d);
}

// The balance after each entry over time, oldest left: a line with a point per entry (its time, kind and amount on hover).
function balanceChart(entries) {
  const pts = entries.map((e) => ({ t: parseTime(e.created_at).getTime(), v: Number(e.balance_after), e })).reverse();
  const width = 640, height = 200, left = 56, right = 12, top = 12, bottom = 28;
  const t0 = Math.min(...pts.map((p) => p.t)), t1 = Math.max(...pts.map((p) => p.t));
  const v1 = Math.max(1, ...pts.map((p) => p.v)), v0 = Math.min(0, ...pts.map((p) => p.v));
  const x = (t) => (t1 === t0 ? (left + width - right) / 2 : left + ((t - t0) / (t1 - t0)) * (width - left - right));
  const y = (v) => top + (1 - (v - v0) / (v1 - v0)) * (height - top - bottom);
  const svg = svgEl('svg', { class: 'chart history', id: 'balance-chart', viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `Balance over time: ${pts.length} entr${pts.length === 1 ? 'y' : 'ies'}, from ${pts[0].e.balance_after} to ${pts[pts.length - 1].e.balance_after} credits` });
  svg.append(svgEl('line', { class: 'axis', x1: left, y1: y(v0), x2: width - right, y2: y(v0) }),
    svgEl('line', { class: 'axis', x1: left, y1: top, x2: left, y2: height - bottom }),
    svgEl('text', { x: left - 6, y: y(v1) + 4, 'text-anchor': 'end' }, String(v1)),
    svgEl('text', { x: left - 6, y: y(v0) + 4, 'text-anchor': 'end' }, String(v0)),
    svgEl('text', { x: left, y: height - 8 }, axisTime(new Date(t0), t1 - t0)),
    svgEl('text', { x: width - right, y: height - 8, 'text-anchor': 'end' }, axisTime(new Date(t1), t1 - t0)),
    svgEl('polyline', { class: 'line', points: pts.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ') }));
  for (const p of pts) {
    svg.append(svgEl('circle', { class: 'pt', cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 4, 'data-entry': p.e.id },
      svgEl('title', {}, `${utcText(new Date(p.t))}: ${p.e.kind} ${p.e.amount}, balance ${p.e.balance_after}`)));
  }
  return svg;
}

function entryRows(entries) {
  return entries.map((e) => h('tr', { dataset: { entry: e.id } }, h('td', {}, timeEl(e.created_at)), h('td', {}, e.kind),
    h('td', { class: 'num' }, e.amount), h('td', { class: 'num' }, e.balance_after), h('td', {}, e.counterparty || ''),
    h('td', { class: 'mono' }, e.lease_uuid || e.bid_uuid || ''), h('td', {}, e.memo || '')));
}

// The entries, newest first, a page at a time: "Older" follows the API's marker, "Newer" goes back.
function entriesSection(base) {
  const box = h('div', { id: 'entries' });
  const markers = [null];
  const draw = async () => {
    const marker = markers[markers.length - 1];
    const q = new URLSearchParams({ limit: 20 });
    if (marker) q.set('marker', marker);
    const page = await api('GET', `${base}/entries?${q}`);
    const newer = h('button', { type: 'button', class: 'secondary', id: 'entries-newer', disabled: markers.length === 1 }, 'Newer');
    const older = h('button', { type: 'button', class: 'secondary', id: 'entries-older', disabled: !page.next }, 'Older');
    newer.addEventListener('click', () => { markers.pop(); act(newer, draw); });
    older.addEventListener('click', () => {
      markers.push(new URLSearchParams(page.next.split('?')[1] || '').get('marker'));
      act(older, draw);
    });
    box.replaceChildren(table(['Time', 'Kind', 'Amount', 'Balance after', 'Counterparty', 'Lease or bid', 'Memo'], entryRows(page.entries),
      'No entries yet.'), h('div', { class: 'pager' }, newer, older));
  };
  return [box, draw];
}

async function pricesSection() {
  const p = await api('GET', '/market/v1/prices');
  return [h('p', { class: 'muted' }, 'Asking prices of free offers, credits per node-hour, between ', timeEl(p.start), ' and ', timeEl(p.end), '.'),
    table(['Resource class', 'Priced offers', 'Free offers', 'Min', 'Median', 'Max'], p.prices.map((r) => h('tr', { dataset: { priceClass: r.resource_class } },
      h('td', {}, r.resource_class), h('td', { class: 'num' }, r.offers), h('td', { class: 'num' }, r.free_offers),
      h('td', { class: 'num' }, r.min ?? '—'), h('td', { class: 'num' }, r.median ?? '—'), h('td', { class: 'num' }, r.max ?? '—'))),
    'No offers.')];
}

function bidWindow(b) {
  if (b.start_time) return [timeEl(b.start_time), ' – ', timeEl(b.end_time)];
  return [`${b.duration} between `, timeEl(b.not_before), ' and ', timeEl(b.not_after)];
}

async function bidsSection(redraw) {
  const bids = (await api('GET', '/market/v1/bids')).bids;
  return [table(['Bid', 'Status', 'Machines', 'Class', 'Window', 'Max price', 'Cost', ''], bids.map((b) => {
    const cancel = h('button', { type: 'button', class: 'danger', 'aria-label': `Cancel bid ${b.uuid}` }, 'Cancel');
    cancel.addEventListener('click', () => {
      if (!confirm(`Cancel bid ${b.uuid.slice(0, 8)} for ${b.quantity} × ${b.resource_class}?`)) return;
      act(cancel, async () => { await api('DELETE', `/market/v1/bids/${b.uuid}`); return `Bid ${b.uuid.slice(0, 8)} cancelled.`; }, redraw);
    });
    return h('tr', { dataset: { bid: b.uuid } }, h('td', { class: 'mono' }, b.uuid.slice(0, 8)), h('td', { class: 'status' }, b.status),
      h('td', { class: 'num' }, b.quantity), h('td', {}, b.resource_class), h('td', {}, bidWindow(b)), h('td', { class: 'num' }, b.max_price),
      h('td', { class: 'num' }, b.leases && b.leases.length ? `${b.cost} (${b.leases.length} lease${b.leases.length === 1 ? '' : 's'})` : ''),
      h('td', { class: 'actions' }, b.status === 'open' ? cancel : null));
  }), 'No bids.')];
}

// A bid: N machines of a class matching properties, in a fixed window or for a duration somewhere in a window.
function bidForm(onDone) {
  const start = nextHour(new Date());
  const qty = h('input', { id: 'bid-quantity', type: 'number', min: 1, step: 1, value: 1, required: true });
  const rc = h('input', { id: 'bid-rc', required: true });
  const props = h('input', { id: 'bid-props', placeholder: 'cpus>=32, memory_mb>=262144' });
  const mode = h('select', { id: 'bid-mode' }, h('option', { value: 'fixed' }, 'a fixed window'), h('option', { value: 'flexible' }, 'a duration within a window'));
  const from = h('input', { id: 'bid-from', type: 'datetime-local', value: inputValue(start), required: true });
  const to = h('input', { id: 'bid-to', type: 'datetime-local', value: inputValue(new Date(start.getTime() + DAY)), required: true });
  const hours = h('input', { id: 'bid-hours', type: 'number', min: 1, step: 1, value: 24 });
  const price = h('input', { id: 'bid-max-price', inputmode: 'decimal', required: true, placeholder: 'credits per node-hour' });
  const partial = h('input', { id: 'bid-partial', type: 'checkbox' });
  const expires = h('input', { id: 'bid-expires', type: 'datetime-local' });
  const submit = h('button', { type: 'submit', id: 'bid-submit' }, 'Place bid');
  // The refusal is said beside the form too: the alert box at the top of the page may be scrolled away.
  const refused = h('p', { class: 'status failed', id: 'bid-error', role: 'status' });
  const hoursField = field('Duration (hours)', hours);
  const show = () => { hoursField.hidden = mode.value !== 'flexible'; };
  mode.addEventListener('change', show);
  show();
  const form = h('form', { class: 'bar', 'aria-label': 'Place a bid' }, field('Machines', qty), field('Resource class', rc),
    field('Properties', props), field('For', mode), field('From', from), field('Until', to), hoursField, field('Max price', price),
    h('label', { class: 'check' }, partial, 'Take fewer if not all fit'), field('Expires (optional)', expires), submit);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const a = fromInput(from.value), b = fromInput(to.value);
    if (!a || !b || b <= a) { say('Pick a window whose end is after its start.'); return; }
    const body = { quantity: Number(qty.value), resource_class: rc.value.trim(),
      properties: props.value.split(',').map((x) => x.trim()).filter(Boolean), max_price: price.value.trim(), all_or_nothing: !partial.checked };
    if (mode.value === 'fixed') Object.assign(body, { start_time: apiTime(a), end_time: apiTime(b) });
    else Object.assign(body, { duration: `PT${Number(hours.value)}H`, not_before: apiTime(a), not_after: apiTime(b) });
    const exp = fromInput(expires.value);
    if (exp) body.expires_at = apiTime(exp);
    refused.textContent = '';
    act(submit, async () => {
      try {
        const bid = await api('POST', '/market/v1/bids', body, { 'Idempotency-Key': idempotencyKey() });
        return `Bid ${bid.uuid.slice(0, 8)} placed: ${bid.quantity} × ${bid.resource_class}, ${bid.status}.`;
      } catch (e) {
        refused.textContent = e.message;
        throw e;
      }
    }, onDone);
  });
  return [form, refused];
}

// Owner: what each node earned over the last 30 days (usage by_node).
async function earningsSection(projectId) {
  // No end: the server's now, to the microsecond (a browser's second would cut off a lease that just ended).
  const q = new URLSearchParams({ start: apiTime(new Date(Date.now() - 30 * DAY)), project: projectId });
  const u = await api('GET', `/market/v1/usage?${q}`);
  const mine = u.projects.find((p) => p.project_id === projectId) || { by_node: [] };
  return [h('p', { class: 'muted' }, 'Between ', timeEl(u.start), ' and ', timeEl(u.end), '.'),
    table(['Node', 'Node-hours lent', 'Credits earned'], mine.by_node.map((n) => h('tr', { dataset: { earnings: n.node_uuid } },
      h('td', {}, n.node || n.node_uuid), h('td', { class: 'num' }, n.node_hours_lent), h('td', { class: 'num' }, n.credits_earned))),
    'No node of yours earned credits in this range.')];
}

// An amount-and-memo form (a transfer, an admin's grant) POSTed with a fresh Idempotency-Key; the page is redrawn after.
function paymentForm(id, title, button, extra, send) {
  const amount = h('input', { id: `${id}-amount`, inputmode: 'decimal', required: true, placeholder: '12.5' });
  const memo = h('input', { id: `${id}-memo`, placeholder: 'optional', maxlength: 1024 });
  const submit = h('button', { type: 'submit', id: `${id}-submit` }, button);
  const form = h('form', { class: 'bar', 'aria-label': title }, ...extra.map(([label, input]) => field(label, input)),
    field('Amount', amount), field('Memo', memo), submit);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = { amount: amount.value.trim() };
    if (memo.value.trim()) body.memo = memo.value.trim();
    act(submit, () => send(body, { 'Idempotency-Key': idempotencyKey() }), () => route());
  });
  return form;
}

function creditForms(account) {
  const out = [];
  if (account.project_id === session.project.id) {
    const to = h('input', { id: 'transfer-to', required: true, placeholder: 'project name or ID' });
    out.push(paymentForm('transfer', 'Transfer credits', 'Transfer', [['To project', to]], async (body, headers) => {
      const e = await api('POST', '/market/v1/transfers', { ...body, to: to.value.trim() }, headers);
      return `Transferred ${e.amount.replace(/^-/, '')} credits to ${to.value.trim()}.`;
    }));
  }
  if (hasRole('admin')) {
    const project = h('input', { id: 'credits-project', required: true, value: account.project || account.project_id });
    const go = h('form', { class: 'bar', 'aria-label': 'Show a project' }, field('Project', project), h('button', { type: 'submit' }, 'Show'));
    go.addEventListener('submit', (ev) => {
      ev.preventDefault();
      location.hash = `#/credits?${new URLSearchParams({ project: project.value.trim() })}`;
    });
    out.push(go, paymentForm('grant', 'Grant credits', 'Grant', [], async (body, headers) => {
      const e = await api('POST', `/market/v1/accounts/${encodeURIComponent(account.project_id)}/grants`, body, headers);
      return `Granted ${e.amount} credits to ${account.project || account.project_id}.`;
    }));
  }
  return out;
}

// The project's credits: balance, history chart, entries, the price index, bids and (owners) earnings per node.
pages.credits = async (main) => {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const projectId = params.get('project') || session.project.id;
  const base = `/market/v1/accounts/${encodeURIComponent(projectId)}`;
  const [account, history] = await Promise.all([api('GET', base), api('GET', `${base}/entries?limit=1000`)]);
  main.append(h('h1', {}, `Credits of ${account.project || account.project_id}`),
    h('dl', { class: 'balance', id: 'credit-summary' },
      h('div', {}, h('dt', {}, 'Balance'), h('dd', { id: 'credit-balance' }, account.balance)),
      h('div', {}, h('dt', {}, 'Held'), h('dd', { id: 'credit-held' }, account.held)),
      h('div', {}, h('dt', {}, 'Available'), h('dd', { id: 'credit-available' }, account.available))),
    ...creditForms(account));
  main.append(h('h2', {}, 'Balance history'), history.entries.length
    ? h('div', { class: 'panel' }, balanceChart(history.entries))
    : h('p', { class: 'empty' }, 'No entries yet: credits come from a grant, a transfer or leasing out a node.'));
  const [entries, drawEntries] = entriesSection(base);
  main.append(h('h2', {}, 'Entries'), entries);
  await drawEntries();
  main.append(h('h2', {}, 'Price index'), h('div', { id: 'prices' }, ...(await optional('The price index', pricesSection))));
  if (hasRole('lessee', 'admin')) {
    const bids = h('div', { id: 'bids' });
    const drawBids = async () => bids.replaceChildren(...(await optional('Bidding', () => bidsSection(drawBids))));
    main.append(h('h2', {}, 'Bids'), ...bidForm(drawBids), bids);
    await drawBids();
  }
  if (hasRole('owner', 'admin')) {
    main.append(h('h2', {}, 'Earnings per node, last 30 days'), h('div', { id: 'earnings' }, ...(await optional('Usage', () => earningsSection(projectId)))));
  }
};

// ---------- shell

const navItems = [
  ['offers', 'Offers', () => true],
  ['leases', 'Leases', () => true],
  ['pools', 'Pools', () => hasRole('lessee', 'admin')],
  ['nodes', 'Nodes', () => true],
  ['usage', 'Usage', () => hasRole('owner', 'admin')],
  ['credits', 'Credits', () => true],
  ['events', 'Events', () => true],
  ['admin', 'Admin', () => hasRole('admin')],
];

function drawShell(current) {
  const nav = $('#nav'), who = $('#who');
  nav.replaceChildren();
  who.replaceChildren();
  if (!session) return;
  for (const [id, text, visible] of navItems) {
    if (!visible()) continue;
    nav.append(h('a', { href: `#/${id}`, 'aria-current': id === current ? 'page' : null }, text));
  }
  const logout = h('button', { type: 'button', id: 'logout' }, 'Log out');
  logout.addEventListener('click', () => act(logout, async () => {
    await api('DELETE', '/ui/session');
    session = null;
    location.hash = '#/login';
  }));
  who.append(h('span', { id: 'who-am-i', title: `roles: ${session.roles.join(', ')}` }, `${session.user.name} · ${session.project.name}`), logout);
}

async function route() {
  for (const t of pageTimers) { if (typeof t === 'object' && t.close) t.close(); else clearInterval(t); }
  pageTimers = [];
  const hash = location.hash.replace(/^#\/?/, '').split('?')[0];
  const [name, arg] = hash.split('/');
  if (!session && name !== 'login') {
    try { session = (await api('GET', '/ui/session')).session; } catch (e) { session = null; }
    if (!session) { location.hash = '#/login'; return; }
  }
  const page = pages[name] ? name : session ? 'offers' : 'login';
  if (page !== name) { location.hash = `#/${page}`; return; }
  drawShell({ node: 'nodes', pool: 'pools' }[page] || page);
  const main = $('#main');
  main.replaceChildren();
  main.setAttribute('aria-busy', 'true');
  document.title = `ESI · ${page}`;
  try {
    await pages[page](main, arg ? decodeURIComponent(arg) : undefined);
  } catch (e) {
    say(e.message || String(e));
  } finally {
    main.setAttribute('aria-busy', 'false');
    main.dataset.page = page;
  }
}

// A message said by the action that changed the page stays for the page it led to.
window.addEventListener('hashchange', () => { if (Date.now() - saidAt > 1500) clearSay(); route(); });
route();
