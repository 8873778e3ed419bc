// Helpers shared by the analysis views (map.js, latency.js, issues.js): SVG elements, the run a view shows,
// rates, and the Vendor/Run toolbar. Plain browser JavaScript; loaded after app.js and before those views.
/* global h, api, runSelect, vendorSelect, viewHref */
/* exported svg, viewRun, fmtRate, analysisToolbar */
'use strict';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** svg('rect', {x: 1, class: 'node'}, children…): like h(), in the SVG namespace. */
function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/**
 * The run a view shows: the URL's `run`, else the latest run, so a bare URL (`#/map`) shows the newest data;
 * `run=*` shows every run. `onChange` gets the URL value to set.
 */
async function viewRun(q, onChange) {
  const param = q.get('run') || '';
  const runs = await api('/api/runs');
  const run = param === '*' ? '' : param || (runs[0] ? runs[0].runId : '');
  const { select } = await runSelect(run, (value) => onChange(value || '*'));
  return { run, param: param === '*' ? '*' : run, select };
}

const fmtRate = (r) => (r === 0 ? '0%' : r < 0.001 ? '<0.1%' : `${(r * 100).toFixed(r < 0.1 ? 1 : 0)}%`);

/** The Vendor and Run pickers of an analysis view (`#/<view>`); each keeps the other's value. */
function analysisToolbar(view, vendor, picked) {
  return h(
    'div',
    { class: 'toolbar' },
    h(
      'label',
      { class: 'field' },
      'Vendor',
      vendorSelect(vendor, (v) => (location.hash = viewHref(view, { vendor: v, run: picked.param }))),
    ),
    h('label', { class: 'field' }, 'Run', picked.select),
  );
}
