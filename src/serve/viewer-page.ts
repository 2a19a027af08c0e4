// The web viewer `ich serve` serves at `/`: one self-contained page (no CDN, works offline) over
// the service's own API — the worklist, then a study: its slices in order along the normal
// (mouse wheel or ↑/↓), window presets, and each label's probability along the series with the
// current slice marked. Probabilities are the server's (the page says so).

const STYLE = `
body { font: 14px system-ui, sans-serif; margin: 0; display: flex; height: 100vh; color: #1d2733; }
#list { width: 430px; overflow: auto; border-right: 1px solid #ccd; }
#list table { border-collapse: collapse; width: 100%; }
#list td, #list th { padding: 4px 8px; text-align: left; border-bottom: 1px solid #eef; }
#list tr.study { cursor: pointer; } #list tr.study:hover, #list tr.current { background: #e8f0ff; }
#study { flex: 1; padding: 12px 16px; overflow: auto; }
#image { image-rendering: pixelated; width: 512px; height: 512px; background: #000; display: block; }
#plot { display: block; margin-top: 8px; border: 1px solid #ccd; }
button.window { margin-right: 4px; } button.window.on { font-weight: bold; background: #cfe0ff; }
.muted { color: #667; }
`;

const SCRIPT = `
const LABELS = ['any', 'epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'];
const COLORS = ['#444444', '#e69f00', '#56b4e9', '#009e73', '#d55e00', '#cc79a7'];
const state = { study: null, slices: [], index: 0, window: 'brain' };
const $ = (id) => document.getElementById(id);

async function loadList() {
  const { studies } = await (await fetch('/api/studies')).json();
  const rows = studies.map((s, i) => {
    const p = s.perLabel;
    const top = p ? LABELS.slice(1).reduce((a, l) => (p[l] > p[a] ? l : a), LABELS[1]) : '';
    return '<tr class="study' + (state.study === s.studyInstanceUID ? ' current' : '') + '" data-uid="' + s.studyInstanceUID + '">' +
      '<td>' + (i + 1) + '</td><td title="' + s.studyInstanceUID + '">…' + s.studyInstanceUID.slice(-12) + '</td><td>' + s.status + '</td>' +
      '<td class="p-any">' + (s.any === null ? '' : s.any.toFixed(3)) + '</td><td>' + top + '</td></tr>';
  });
  $('rows').innerHTML = rows.join('');
  for (const tr of document.querySelectorAll('tr.study')) tr.onclick = () => openStudy(tr.dataset.uid);
}

async function openStudy(uid) {
  const s = await (await fetch('/api/studies/' + encodeURIComponent(uid))).json();
  if (!s.result) { $('title').textContent = 'study ' + uid + ': ' + s.status; return; }
  state.study = uid;
  state.slices = [...s.result.slices].sort((a, b) => (a.series < b.series ? -1 : a.series > b.series ? 1 : (a.position ?? 0) - (b.position ?? 0)));
  state.index = 0;
  $('title').textContent = 'study ' + uid;
  $('view').hidden = false;
  show();
  loadList();
}

function show() {
  const s = state.slices[state.index];
  $('image').src = '/api/studies/' + encodeURIComponent(state.study) + '/slices/' + encodeURIComponent(s.sop) + '.png?window=' + state.window;
  $('position').textContent = 'slice ' + (state.index + 1) + ' / ' + state.slices.length;
  $('probs').textContent = LABELS.map((l, j) => l + ' ' + s.probs[j].toFixed(3)).join(' · ');
  for (const b of document.querySelectorAll('button.window')) b.classList.toggle('on', b.dataset.window === state.window);
  plot();
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
document.addEventListener('keydown', (e) => { if (e.key === 'ArrowDown') step(1); if (e.key === 'ArrowUp') step(-1); });
for (const b of document.querySelectorAll('button.window')) b.onclick = () => { state.window = b.dataset.window; show(); };
$('legend').innerHTML = LABELS.map((l, j) => '<span style="color:' + COLORS[j] + '">■ ' + l + '</span>').join(' ');
loadList();
setInterval(loadList, 3000);
`;

export const VIEWER_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ichdetect worklist</title><style>${STYLE}</style></head>
<body>
<div id="list"><table><thead><tr><th>#</th><th>study</th><th>status</th><th>P(any)</th><th>top subtype</th></tr></thead><tbody id="rows"></tbody></table></div>
<div id="study">
  <h3 id="title">pick a study from the worklist (most urgent first)</h3>
  <div id="view" hidden>
    <div><span id="position"></span> · <span class="muted">computed on the server · not for diagnostic use</span></div>
    <div style="margin: 6px 0">${['brain', 'subdural', 'soft', 'bone'].map((w) => `<button class="window" data-window="${w}">${w}</button>`).join('')}</div>
    <img id="image" alt="slice">
    <div id="probs" class="muted"></div>
    <canvas id="plot" width="512" height="140"></canvas>
    <div id="legend"></div>
  </div>
</div>
<script>${SCRIPT}</script>
</body></html>
`;
