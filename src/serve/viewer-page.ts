// The web viewer `ich serve` serves at `/`: one page (no CDN, works offline) over the service's own
// API, its style at /viewer.css and its script (viewer-script.ts) at /viewer.js, under a
// Content-Security-Policy that runs no script but those the service serves.

/** The page's policy: own scripts only (WebAssembly for onnxruntime-web), no inline script or style, no framing. */
export const VIEWER_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

export const VIEWER_CSS = `
body { font: 14px system-ui, sans-serif; margin: 0; display: flex; height: 100vh; color: #1d2733; }
#list { width: 430px; overflow: auto; border-right: 1px solid #ccd; }
#list table { border-collapse: collapse; width: 100%; }
#list td, #list th { padding: 4px 8px; text-align: left; border-bottom: 1px solid #eef; white-space: nowrap; }
#list tr.study { cursor: pointer; } #list tr.study:hover, #list tr.current { background: #e8f0ff; }
#study { flex: 1; padding: 12px 16px; overflow: auto; }
#image { image-rendering: pixelated; width: 512px; height: 512px; background: #000; display: block; }
#plot { display: block; margin-top: 8px; border: 1px solid #ccd; }
button.window, button.overlay { margin-right: 4px; } .bar { margin: 6px 0; } button.on { font-weight: bold; background: #cfe0ff; }
.muted { color: #667; }
`;

export const VIEWER_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ichdetect worklist</title><link rel="stylesheet" href="/viewer.css"></head>
<body>
<div id="list"><table><thead><tr><th>#</th><th>study</th><th>status</th><th>P(any)</th><th>top subtype</th></tr></thead><tbody id="rows"></tbody></table></div>
<div id="study">
  <h3 id="title">pick a study from the worklist (most urgent first)</h3>
  <div id="view" hidden>
    <div><span id="position"></span> <button id="key" title="the slice with the highest P(any)">key slice</button> · <span class="muted">not for diagnostic use</span></div>
    <div class="bar">window: ${['brain', 'subdural', 'soft', 'bone'].map((w) => `<button class="window" data-window="${w}">${w}</button>`).join('')}</div>
    <div class="bar" id="overlays"></div>
    <div class="muted"><span id="overlay-note"></span> <span id="overlay-status"></span></div>
    <img id="image" alt="slice">
    <div id="side" class="muted"></div>
    <div id="probs-browser"></div>
    <div id="probs" class="muted"></div>
    <canvas id="plot" width="512" height="140"></canvas>
    <div id="legend"></div>
  </div>
</div>
<script type="module" src="/viewer.js"></script>
</body></html>
`;
