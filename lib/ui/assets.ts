/**
 * The page's only assets, served by the product itself (no CDN, no build step): a style sheet and a
 * few lines of progressive enhancement. Without JavaScript every form still works; with it, leaving
 * with unsaved edits asks first, a running publish shows its progress, and suggestions appear when
 * ConnectWise has answered.
 */
export const PAGE_CSS = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #4d5560; --line: #c9ced6; --accent: #0b5cad; --bad: #b00020; --ok: #146c2e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
header { background: #fff; border-bottom: 1px solid var(--line); padding: 0.75rem 1.5rem; }
header h1 { margin: 0; font-size: 1.3rem; }
main { padding: 1rem 1.5rem 3rem; max-width: 80rem; }
h2 { font-size: 1.1rem; margin: 0 0 0.5rem; }
form.pickers { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: end; margin-bottom: 1rem; }
form.pickers label { display: flex; flex-direction: column; font-weight: 600; font-size: 0.85rem; gap: 0.2rem; }
input, select, button { font: inherit; }
input[type=text], input[type=search], select { padding: 0.3rem 0.45rem; border: 1px solid #8a929c; border-radius: 4px; background: #fff; }
input[aria-invalid=true] { border: 2px solid var(--bad); }
button { padding: 0.35rem 0.8rem; border: 1px solid var(--accent); border-radius: 4px; background: #fff; color: var(--accent); cursor: pointer; }
button.primary { background: var(--accent); color: #fff; }
:focus-visible { outline: 3px solid #f5a400; outline-offset: 1px; }
.facts { display: flex; flex-wrap: wrap; gap: 0.4rem 1.5rem; margin: 0 0 1rem; padding: 0.75rem 1rem; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
.facts div { display: flex; gap: 0.35rem; } .facts dt { color: var(--muted); } .facts dd { margin: 0; font-weight: 600; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem 1rem; margin: 0 0 1rem; }
.panel.warn { border-color: #d08a00; background: #fffaf0; }
[role=alert]:not(:empty) { color: var(--bad); background: #fff0f0; border: 1px solid var(--bad); border-radius: 6px; padding: 0.6rem 1rem; margin: 0 0 1rem; font-weight: 600; }
[role=status]:not(:empty) { color: var(--ok); background: #effaf2; border: 1px solid var(--ok); border-radius: 6px; padding: 0.6rem 1rem; margin: 0 0 1rem; }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 0 0 0.75rem; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
caption { text-align: left; padding: 0.4rem 0; color: var(--muted); }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
th { background: #eef1f4; font-size: 0.85rem; }
td.client { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
th.num { white-space: nowrap; } input[inputmode=decimal] { width: 5.5em; text-align: right; }
tr.edited { background: #fff8e1; }
.field-error { display: block; color: var(--bad); font-size: 0.85rem; }
.muted { color: var(--muted); }
.suggestion { font-size: 0.9rem; }
.outcome-failed { color: var(--bad); font-weight: 600; } .outcome-published { color: var(--ok); } .outcome-retired { color: #7a1d8c; }
.pager { display: flex; gap: 1rem; align-items: center; margin: 0.6rem 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
progress { width: 20rem; max-width: 100%; }
`;

export const PAGE_JS = `
(function () {
  'use strict';
  var form = document.getElementById('rows-form');
  var dirty = !!(form && form.dataset.dirty === 'true');
  var leaving = false;
  function edited(event) {
    dirty = true;
    var row = event.target.closest && event.target.closest('tr');
    if (row) row.classList.add('edited');
  }
  if (form) {
    form.addEventListener('input', edited);
    form.addEventListener('change', edited);
    form.addEventListener('submit', function () { leaving = true; });
  }
  window.addEventListener('beforeunload', function (event) {
    if (dirty && !leaving) { event.preventDefault(); event.returnValue = ''; }
  });
  function poll(url, every, handle) {
    var timer = setInterval(function () {
      fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) { if (body && handle(body)) clearInterval(timer); })
        .catch(function () {});
    }, every);
  }
  var job = document.getElementById('job');
  if (job && job.dataset.state === 'running') {
    var bar = document.getElementById('job-progress');
    var text = document.getElementById('job-text');
    poll('/publish/jobs/' + encodeURIComponent(job.dataset.jobId), 700, function (state) {
      if (state.progress && state.progress.total > 0) {
        bar.max = state.progress.total; bar.value = state.progress.done;
        text.textContent = 'Publishing: ' + state.progress.done + ' of ' + state.progress.total + ' clients done';
      }
      if (state.state !== 'running') { leaving = true; location.reload(); return true; }
      return false;
    });
  }
  var pending = document.getElementById('suggestions-pending');
  if (pending) {
    poll(pending.dataset.url, 1500, function (state) {
      if (state.state === 'pending') return false;
      if (!dirty) { leaving = true; location.reload(); }
      else pending.textContent = 'Suggestions are ready: save your edits, then reload the page to see them.';
      return true;
    });
  }
})();
`;
