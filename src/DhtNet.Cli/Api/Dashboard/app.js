// The node dashboard: one EventSource, a model kept from its snapshots and events, and plain DOM/SVG/canvas drawing.
'use strict';

const $ = id => document.getElementById(id);
const token = new URLSearchParams(location.search).get('token');
const withToken = path => token ? `${path}?token=${encodeURIComponent(token)}` : path;
const fmt = n => n == null ? '–' : Number(n).toLocaleString('en-US');
const short = hex => hex ? `${hex.slice(0, 6)}…${hex.slice(-4)}` : '';
const COLORS = ['--accent', '--good', '--warn', '--violet', '--teal', '--bad', '--muted'];
const HISTORY = 60;

const model = { state: null, network: null, lookups: new Map(), selected: null, served: [], lastServed: null, lastAt: 0, warnings: [] };

// A node running several DHTs sends each one's view in s.networks; the page shows one at a time.
function chooseNetwork(name) {
  if (model.network === name) return;
  model.network = name;
  model.lookups.clear(); model.selected = null;
  model.served = []; model.lastServed = null; model.lastAt = 0;
  if (model.state) onState(model.state);
}

function renderNetworks(s) {
  const host = $('network');
  const names = (s.networks || []).map(n => n.network);
  if (names.length <= 1) { host.textContent = names[0] || s.network; return; }
  host.replaceChildren(...names.map(name => {
    const b = el('button', `net${name === model.network ? ' active' : ''}`, name);
    b.type = 'button';
    b.addEventListener('click', () => chooseNetwork(name));
    return b;
  }));
}

// Theme: the system's unless the visitor chose one.
const savedTheme = localStorage.getItem('dht-theme');
if (savedTheme) document.documentElement.dataset.theme = savedTheme;
$('theme').addEventListener('click', () => {
  const dark = getComputedStyle(document.documentElement).colorScheme.includes('dark');
  const next = dark ? 'light' : 'dark';
  document.documentElement.dataset.theme = next;
  localStorage.setItem('dht-theme', next);
  drawChart();
  drawTree();
});

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function cssVar(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

function onState(full) {
  model.state = full;
  if (!model.network) model.network = full.network;
  const s = { ...full, ...((full.networks || []).find(n => n.network === model.network) || {}) };
  model.view = s;
  renderNetworks(full);
  $('node-id').textContent = s.id;
  $('addresses').textContent = s.addresses.join('  ');
  $('k-label').textContent = `K = ${s.k}`;
  const total = s.tables.reduce((n, t) => n + t.buckets.reduce((m, b) => m + b.nodes, 0), 0);
  $('table-total').textContent = fmt(total);
  $('table-hint').textContent = s.tables.map(t => `${t.buckets.length} ${t.family} buckets`).join(' · ') || 'no table';
  const served = Object.values(s.served).reduce((a, b) => a + b, 0);
  $('served-total').textContent = fmt(served);
  $('sent-total').textContent = fmt(s.traffic.queriesSent);
  $('timeouts').textContent = `${fmt(s.traffic.timeouts)} timeouts`;
  renderTables(s);
  renderStores(s);
  renderTraffic(s);
  sampleServed(s);
  for (const l of s.lookups) mergeLookup(l);
  for (const w of full.warnings) addWarning(w);
  renderLookups();
}

function renderTables(s) {
  const host = $('tables');
  host.replaceChildren();
  for (const t of s.tables) {
    const fam = el('div', 'family');
    const title = el('div', 'family-title');
    const nodes = t.buckets.reduce((m, b) => m + b.nodes, 0);
    title.append(el('span', null, t.family), el('span', null, `${nodes} nodes in ${t.buckets.length} buckets`));
    fam.append(title);
    for (const b of t.buckets) {
      const row = el('div', 'bucket');
      row.dataset.nodes = b.nodes;
      row.append(el('span', 'prefix mono', b.depth === 0 ? '*' : `${b.depth}:${b.prefix}`));
      const slots = el('div', 'slots');
      for (let i = 0; i < s.k; i++) slots.append(el('span', `slot${i < b.good ? ' good' : i < b.nodes ? ' filled' : ''}`));
      for (let i = 0; i < Math.min(b.replacements, 4); i++) slots.append(el('span', 'slot spare'));
      row.append(slots, el('span', 'count', `${b.nodes}/${s.k}`));
      row.title = `${b.nodes} nodes (${b.good} good), ${b.replacements} waiting to replace one`;
      fam.append(row);
    }
    host.append(fam);
  }
  if (!s.tables.length) host.append(el('div', 'muted', 'No routing table yet.'));
}

function renderStores(s) {
  const host = $('stores');
  host.replaceChildren();
  for (const st of s.stores) {
    const box = el('div', 'store');
    const row = el('div', 'row');
    row.append(el('span', null, st.name), el('span', null, st.size == null ? `cap ${fmt(st.cap)}` : `${fmt(st.size)} / ${fmt(st.cap)}`));
    const bar = el('div', `bar${st.size == null ? ' unknown' : ''}`);
    const fill = el('div');
    if (st.size != null) fill.style.width = `${Math.min(100, 100 * st.size / Math.max(1, st.cap))}%`;
    bar.append(fill);
    bar.title = st.size == null ? 'the library does not report this store\'s size yet' : '';
    box.append(row, bar);
    host.append(box);
  }
}

function renderTraffic(s) {
  const host = $('traffic');
  host.replaceChildren();
  const names = { queriesReceived: 'queries received', responsesSent: 'responses sent', errorsSent: 'errors sent', queriesSent: 'queries sent', responsesMatched: 'answers matched', timeouts: 'timeouts', malformed: 'malformed datagrams', pending: 'pending queries', rateLimited: 'rate-limited queries' };
  for (const [k, v] of Object.entries(s.traffic)) host.append(el('dt', null, names[k] || k), el('dd', null, fmt(v)));
}

function sampleServed(s) {
  const now = s.now;
  if (model.lastServed && now > model.lastAt) {
    const dt = (now - model.lastAt) / 1000;
    const rates = {};
    for (const [k, v] of Object.entries(s.served)) rates[k] = Math.max(0, (v - (model.lastServed[k] || 0)) / dt);
    model.served.push(rates);
    if (model.served.length > HISTORY) model.served.shift();
    const total = Object.values(rates).reduce((a, b) => a + b, 0);
    $('served-rate').textContent = `${total.toFixed(1)} /s now`;
  }
  model.lastServed = s.served;
  model.lastAt = now;
  drawChart();
}

function drawChart() {
  const canvas = $('served-chart');
  const s = model.view;
  if (!s) return;
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  canvas.width = w * dpr; canvas.height = h * dpr;
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  ctx.clearRect(0, 0, w, h);
  const types = Object.keys(s.served);
  const data = model.served;
  const peak = Math.max(1, ...data.map(r => Math.max(...Object.values(r))));
  const max = peak <= 4 ? 4 : Math.ceil(peak / 4) * 4; // four gridlines at round numbers
  const pad = { l: 34, r: 8, t: 8, b: 18 };
  ctx.strokeStyle = cssVar('--line'); ctx.fillStyle = cssVar('--muted'); ctx.lineWidth = 1;
  ctx.font = '10px ui-monospace, Menlo, monospace';
  for (let i = 0; i <= 4; i++) {
    const y = pad.t + (h - pad.t - pad.b) * i / 4;
    ctx.beginPath(); ctx.moveTo(pad.l, y); ctx.lineTo(w - pad.r, y); ctx.stroke();
    ctx.fillText(String(max * (1 - i / 4)), 2, y + 3);
  }
  ctx.fillText(`last ${HISTORY} s`, w - pad.r - 60, h - 4);
  const legend = $('served-legend');
  legend.replaceChildren();
  types.forEach((type, i) => {
    const color = cssVar(COLORS[i % COLORS.length]);
    if (data.length > 1) {
      ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.lineJoin = 'round';
      ctx.beginPath();
      data.forEach((r, j) => {
        const x = pad.l + (w - pad.l - pad.r) * (j + HISTORY - data.length) / (HISTORY - 1);
        const y = pad.t + (h - pad.t - pad.b) * (1 - (r[type] || 0) / max);
        j ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
      });
      ctx.stroke();
    }
    const li = el('li');
    li.dataset.type = type;
    const sw = el('span', 'swatch');
    sw.style.background = color;
    const now = data.length ? (data[data.length - 1][type] || 0) : 0;
    li.append(sw, el('span', null, type), el('b', null, `${now.toFixed(1)}/s`), el('span', null, `(${fmt(s.served[type])})`));
    legend.append(li);
  });
}

function mergeLookup(l) {
  let m = model.lookups.get(l.target);
  if (!m) { m = { target: l.target, method: l.method, hops: new Map(), done: false, started: l.started || Date.now(), operation: '' }; model.lookups.set(l.target, m); }
  m.done = l.done || m.done;
  m.operation = l.operation || m.operation;
  for (const h of l.hops || []) m.hops.set(h.node, { ...(m.hops.get(h.node) || {}), ...h });
}

function onHop(e) {
  if ((e.network || 'mainline') !== model.network) return;
  mergeLookup({ target: e.target, method: e.method, hops: [{ node: e.node, id: e.id, parent: e.parent, state: e.state }] });
  const m = model.lookups.get(e.target);
  if (!model.selected || (model.lookups.get(model.selected)?.done && !m.done)) model.selected = e.target;
  scheduleTree();
}

function onDone(e) {
  const m = model.lookups.get(e.target);
  if (m) { m.done = true; m.operation = e.operation; m.summary = `${e.queried} asked, ${e.answered} answered, ${e.ms} ms`; }
  renderLookups();
}

let treePending = false;
function scheduleTree() {
  if (treePending) return;
  treePending = true;
  requestAnimationFrame(() => { treePending = false; renderLookups(); });
}

function renderLookups() {
  // Keep the 12 most recent lookups.
  const all = [...model.lookups.values()].sort((a, b) => b.started - a.started);
  for (const old of all.slice(12)) model.lookups.delete(old.target);
  const recent = all.slice(0, 12);
  const running = recent.filter(l => !l.done).length;
  $('lookup-count').textContent = fmt(recent.length);
  $('lookup-hint').textContent = `${running} running`;
  if (!model.selected || !model.lookups.has(model.selected)) model.selected = recent[0]?.target || null;
  const tabs = $('lookup-tabs');
  tabs.replaceChildren();
  for (const l of recent) {
    const t = el('button', `tab${l.target === model.selected ? ' active' : ''}${l.done ? '' : ' running'}`, `${l.operation || l.method} ${short(l.target)}`);
    t.type = 'button';
    t.title = l.summary || l.target;
    t.addEventListener('click', () => { model.selected = l.target; renderLookups(); });
    tabs.append(t);
  }
  drawTree();
}

function drawTree() {
  const host = $('tree');
  host.replaceChildren();
  const lookup = model.selected && model.lookups.get(model.selected);
  const w = host.clientWidth || 600, h = host.clientHeight || 340;
  if (!lookup) {
    const t = svg('text', { x: w / 2, y: h / 2, 'text-anchor': 'middle', class: 'empty-text' });
    t.textContent = 'No lookup yet: run one (dht query --api …) and watch it grow here.';
    host.append(t);
    return;
  }
  // Layered tree: our node at the top, each asked node under the node whose answer named it.
  const nodes = new Map([['', { key: '', children: [], state: 'root', depth: 0 }]]);
  for (const [key, hop] of lookup.hops) nodes.set(key, { key, hop, children: [], state: hop.state, depth: 0 });
  for (const n of nodes.values()) {
    if (!n.key) continue;
    const parent = nodes.get(n.hop.parent) && n.hop.parent !== n.key ? n.hop.parent : '';
    nodes.get(parent).children.push(n);
  }
  let leaves = 0, maxDepth = 0;
  const place = (n, depth, seen) => {
    n.depth = depth; maxDepth = Math.max(maxDepth, depth);
    if (seen.has(n.key)) return; seen.add(n.key);
    if (!n.children.length) { n.x = leaves++; return; }
    n.children.forEach(c => place(c, depth + 1, seen));
    n.x = (n.children[0].x + n.children[n.children.length - 1].x) / 2;
  };
  place(nodes.get(''), 0, new Set());
  const sx = x => 24 + (w - 110) * (leaves <= 1 ? 0.5 : x / (leaves - 1)); // room on the right for the last label
  const sy = d => 22 + (h - 44) * (maxDepth ? d / maxDepth : 0);
  const r = Math.max(3, Math.min(7, 220 / Math.max(1, leaves)));
  const edges = svg('g'), dots = svg('g');
  for (const n of nodes.values()) {
    if (n.x == null) continue;
    for (const c of n.children) {
      if (c.x == null) continue;
      const path = svg('path', { class: `edge ${c.state}`, d: `M${sx(n.x)},${sy(n.depth)} C${sx(n.x)},${(sy(n.depth) + sy(c.depth)) / 2} ${sx(c.x)},${(sy(n.depth) + sy(c.depth)) / 2} ${sx(c.x)},${sy(c.depth)}` });
      edges.append(path);
    }
    const g = svg('g', { class: 'hop', 'data-state': n.state });
    const circle = svg('circle', { cx: sx(n.x), cy: sy(n.depth), r: n.key ? r : 8, class: n.key ? n.state : 'root' });
    const title = svg('title');
    title.textContent = n.key ? `${n.hop.id || '(id unknown)'}\n${n.key}\n${n.state}` : 'this node';
    circle.append(title);
    g.append(circle);
    if (!n.key || leaves < 24) {
      const label = svg('text', { x: sx(n.x) + (n.key ? r + 3 : 12), y: sy(n.depth) + 3 });
      label.textContent = n.key ? short(n.hop.id) || n.key : `target ${short(lookup.target)}`;
      g.append(label);
    }
    dots.append(g);
  }
  host.append(edges, dots);
}

function addWarning(w) {
  const key = `${w.at}|${w.message}`;
  if (model.warnings.includes(key)) return;
  model.warnings.unshift(key);
  model.warnings.length = Math.min(model.warnings.length, 50);
  const list = $('warnings');
  list.querySelector('.empty')?.remove();
  const li = el('li');
  const time = el('time', null, new Date(w.at).toLocaleTimeString());
  li.append(time, el('span', null, w.message));
  list.prepend(li);
  while (list.children.length > 50) list.lastChild.remove();
}

function connect() {
  const source = new EventSource(withToken('/api/dashboard/events'));
  source.onopen = () => { $('live').className = 'live on'; $('live').textContent = 'live'; };
  source.onerror = () => { $('live').className = 'live off'; $('live').textContent = 'reconnecting'; };
  source.onmessage = m => {
    const e = JSON.parse(m.data);
    if (e.type === 'state') onState(e);
    else if (e.type === 'hop') onHop(e);
    else if (e.type === 'done') onDone(e);
    else if (e.type === 'warning') addWarning(e);
  };
}

window.addEventListener('resize', () => { drawChart(); drawTree(); });
connect();
