// The viewer's script (an ES module the page loads from /viewer.js: the page's Content-Security-Policy allows no inline script): the worklist, a study's slices in order along the
// normal (mouse wheel or ↑/↓), window presets, an attribution overlay per label, each label's
// probability along the series (the server's) with the current slice marked, and — where the model
// takes one slice at a time — the current slice's probabilities computed again in this browser by
// onnxruntime-web on the same model.onnx.

export const VIEWER_SCRIPT = `
const LABELS = ['any', 'epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'];
const COLORS = ['#444444', '#e69f00', '#56b4e9', '#009e73', '#d55e00', '#cc79a7'];
const state = { study: null, slices: [], index: 0, window: 'brain', overlay: '', model: null, session: null, shown: 0 };
const $ = (id) => document.getElementById(id);
const fmt = (p) => LABELS.map((l, j) => l + ' ' + p[j].toFixed(3)).join(' · ');

// Every value from DICOM or the API goes into the page as a text node or a property, never as markup.
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'style') Object.assign(node.style, v);
    else node[k] = v;
  }
  node.append(...children.map((c) => (typeof c === 'string' ? document.createTextNode(c) : c)));
  return node;
}

async function loadList() {
  const { studies } = await (await fetch('/api/studies')).json();
  const rows = studies.map((s, i) => {
    const p = s.perLabel;
    const top = p ? LABELS.slice(1).reduce((a, l) => (p[l] > p[a] ? l : a), LABELS[1]) : '';
    const uid = String(s.studyInstanceUID);
    const apart = s.assessment === 'not-assessed' || s.assessment === 'not-analysed';
    const tr = el('tr', { className: 'study' + (state.study === uid ? ' current' : '') + (apart ? ' not-assessed' : ''), dataset: { uid }, title: s.reason || s.error || '' },
      el('td', {}, String(i + 1)), el('td', { title: uid }, '…' + uid.slice(-12)), el('td', {}, apart ? s.assessment.replace('-', ' ') : String(s.status)),
      el('td', { className: 'p-any' }, apart || s.any === null ? '' : Number(s.any).toFixed(3)), el('td', {}, apart ? '' : top));
    tr.onclick = () => openStudy(uid);
    return tr;
  });
  $('rows').replaceChildren(...rows);
}

async function loadModel() {
  state.model = await (await fetch('/api/model')).json();
  const o = state.model.overlays;
  $('overlays').replaceChildren('overlay: ', ...['', ...LABELS].map((l) => el('button', { className: 'overlay', dataset: { overlay: l }, disabled: !(o.available || !l) }, l || 'off')));
  $('overlay-note').textContent = o.available ? 'SHAP (' + o.method + ', ' + o.samples + ' samples): red raises the label, blue lowers it' : 'no overlays: ' + o.reason;
  for (const b of document.querySelectorAll('button.overlay')) b.onclick = () => { state.overlay = b.dataset.overlay; show(); };
  const b = state.model.browser;
  if (!b.available) { $('side').textContent = 'slice probabilities computed on the server (' + b.reason + ')'; return; }
  try {
    const ort = await import(b.runtime);
    ort.env.wasm.numThreads = 1;
    const bytes = new Uint8Array(await (await fetch('/api/model.onnx')).arrayBuffer());
    state.session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    state.ort = ort;
    $('side').textContent = 'slice probabilities computed in this browser (onnxruntime-web, WebAssembly) from the server-side preprocessed input';
    if (state.slices.length) show();
  } catch (err) {
    $('side').textContent = 'slice probabilities computed on the server (the browser could not run the model: ' + err.message + ')';
  }
}

async function openStudy(uid) {
  const s = await (await fetch('/api/studies/' + encodeURIComponent(uid))).json();
  if (!s.result) { $('title').textContent = 'study ' + uid + ': ' + s.status; return; }
  if (!s.result.slices.length) { $('title').textContent = 'study ' + uid + ': NOT ANALYSED (' + (s.result.notAnalysed ? s.result.notAnalysed.reason : 'no slice') + ')'; $('view').hidden = true; return; }
  state.study = uid;
  state.slices = [...s.result.slices].sort((a, b) => (a.series < b.series ? -1 : a.series > b.series ? 1 : (a.position ?? 0) - (b.position ?? 0)));
  state.index = 0;
  state.key = s.result.study ? state.slices.findIndex((x) => x.sop === s.result.study.topSlice.sop) : -1;
  $('key').hidden = state.key < 0;
  const a = s.result.study && s.result.study.assessment;
  $('title').textContent = 'study ' + uid + (a && a.status === 'not-assessed' ? ': NOT ASSESSED (' + a.reason + ')' : a && a.reason ? ' (' + a.reason + ')' : '');
  $('view').hidden = false;
  show();
  loadList();
}

function sliceUrl(s) {
  return '/api/studies/' + encodeURIComponent(state.study) + '/slices/' + encodeURIComponent(s.sop);
}

function show() {
  const s = state.slices[state.index];
  const shown = ++state.shown;
  $('image').src = sliceUrl(s) + '.png?window=' + state.window + (state.overlay ? '&overlay=' + state.overlay : '');
  $('overlay-status').textContent = state.overlay ? 'computing the ' + state.overlay + ' attribution…' : '';
  $('position').textContent = 'slice ' + (state.index + 1) + ' / ' + state.slices.length;
  $('probs').textContent = 'server: ' + fmt(s.probs) + (s.ood ? ' · ood score ' + s.ood.score.toFixed(2) + (s.ood.flagged ? ' (out of distribution)' : '') : '');
  for (const b of document.querySelectorAll('button.window')) b.classList.toggle('on', b.dataset.window === state.window);
  for (const b of document.querySelectorAll('button.overlay')) b.classList.toggle('on', b.dataset.overlay === state.overlay);
  plot();
  if (state.session) inBrowser(s, shown);
}

async function inBrowser(s, shown) {
  const el = $('probs-browser');
  el.dataset.sop = '';
  const r = await fetch(sliceUrl(s) + '/input');
  const shape = r.headers.get('x-shape').split(',').map(Number);
  const input = new state.ort.Tensor('float32', new Float32Array(await r.arrayBuffer()), shape);
  const out = await state.session.run({ input });
  if (shown !== state.shown) return;
  const p = Array.from(out.probabilities.data);
  el.textContent = 'this browser: ' + fmt(p);
  el.dataset.probs = JSON.stringify(p);
  el.dataset.sop = s.sop;
}

function plot() {
  const c = $('plot'), g = c.getContext('2d'), n = state.slices.length;
  const x = (i) => 30 + (n > 1 ? (i / (n - 1)) * (c.width - 40) : 0), y = (p) => c.height - 20 - p * (c.height - 30);
  g.clearRect(0, 0, c.width, c.height);
  g.strokeStyle = '#ccd'; g.strokeRect(30, 10, c.width - 40, c.height - 30);
  LABELS.forEach((l, j) => {
    g.strokeStyle = COLORS[j]; g.lineWidth = j === 0 ? 2.5 : 1.5; g.beginPath();
    state.slices.forEach((s, i) => (i ? g.lineTo(x(i), y(s.probs[j])) : g.moveTo(x(i), y(s.probs[j]))));
    g.stroke();
  });
  g.strokeStyle = '#0050ff'; g.lineWidth = 2; g.beginPath(); g.moveTo(x(state.index), 10); g.lineTo(x(state.index), c.height - 20); g.stroke();
}

function step(d) {
  if (!state.slices.length) return;
  state.index = Math.max(0, Math.min(state.slices.length - 1, state.index + d));
  show();
}

$('image').addEventListener('wheel', (e) => { e.preventDefault(); step(e.deltaY > 0 ? 1 : -1); }, { passive: false });
$('image').addEventListener('load', () => { $('overlay-status').textContent = ''; });
$('image').addEventListener('error', () => { $('overlay-status').textContent = 'the image could not be made'; });
document.addEventListener('keydown', (e) => { if (e.key === 'ArrowDown') step(1); if (e.key === 'ArrowUp') step(-1); });
$('key').onclick = () => { state.index = state.key; show(); };
for (const b of document.querySelectorAll('button.window')) b.onclick = () => { state.window = b.dataset.window; show(); };
$('legend').replaceChildren(...LABELS.map((l, j) => el('span', { style: { color: COLORS[j], marginRight: '8px' } }, '■ ' + l)));
loadList();
loadModel();
setInterval(loadList, 3000);
`;
