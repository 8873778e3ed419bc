// Side by side (issue 14): one request as every vendor received it, sized for a laptop. Columns wrap rather
// than scroll (1366×768 shows four a row); span names are each vendor's console's (Datadog's resource with the
// operation beside, X-Ray's segment and subsegment names, Sentry's description and op), the full name and the
// vendor's own field on hover. The request picker shows seq, route, status and injected delay/fault, and
// filters to errors or chaos: #/compare/<run>/<seq>?only=errors.
/* global h, api, enc, fmtMs, vendorLabel, vendorColor, waterfall, traceHref, compareHref, runSelect, query,
   emptyState, registerView, viewPage */
'use strict';

const COMPARE_FILTERS = [
  ['', 'All requests'],
  ['errors', 'Errors only'],
  ['chaos', 'Chaos only'],
];

const compareUrl = (run, seq, only) => `${compareHref(run, seq)}${only ? `?only=${enc(only)}` : ''}`;

/** `#12 · GET /api/activities · 500 · +180 ms · fault reply-fails`: what the picker shows for one request. */
function requestLabel(r) {
  return [
    `#${r.seq}`,
    r.route,
    r.httpStatus !== null ? String(r.httpStatus) : r.error ? 'error' : null,
    r.delayMs !== null ? `+${Math.round(r.delayMs)} ms` : null,
    r.fault !== null ? `fault ${r.fault}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

function keepRequest(r, only) {
  if (only === 'errors') return r.error || (r.httpStatus !== null && r.httpStatus >= 500) || r.fault !== null;
  if (only === 'chaos') return r.delayMs !== null || r.fault !== null;
  return true;
}

/** Puts each vendor's console name on the compact waterfall's rows: label, op beside it, native field on hover. */
function applyConsoleNames(tree, spans, names) {
  for (const row of tree.querySelectorAll('[data-testid="waterfall-row"]')) {
    const span = spans.find((s) => s.spanId === row.dataset.spanId);
    const n = names && names[row.dataset.spanId];
    if (!span || !n) continue;
    const nameEl = row.querySelector('.wf-name');
    nameEl.textContent = n.label;
    nameEl.dataset.testid = 'console-name';
    if (n.op) nameEl.after(h('span', { class: 'wf-op', 'data-testid': 'console-op' }, n.op));
    row.title =
      `${n.label}${n.op ? `  (${n.op})` : ''}\n` +
      `${n.nativeKey}${n.op ? ` · operation ${n.op}` : ''} · ${span.service} · ${fmtMs(span.durationMs)}`;
  }
}

function compareColumn(vendor, cell, names) {
  const head = h(
    'div',
    { class: 'col-head', style: { '--vendor': vendorColor(vendor) } },
    h('i', { class: 'dot' }),
    h('strong', {}, vendorLabel(vendor)),
  );
  if (!cell) {
    return h(
      'div',
      { class: 'vendor-col card missing', 'data-testid': 'vendor-column', 'data-vendor': vendor },
      head,
      h(
        'div',
        { class: 'nothing', 'data-testid': 'nothing-received' },
        h('strong', {}, 'nothing received'),
        h('span', { class: 'muted small' }, 'for this request'),
      ),
    );
  }
  const spans = cell.spans.map((g) => ({
    spanId: g.spanId,
    parentId: g.parentId,
    name: g.name,
    service: g.service,
    startMs: g.offsetMs,
    durationMs: g.durationMs,
    status: g.status,
    inProgress: g.inProgress,
    attributes: {},
  }));
  let tree = null;
  if (spans.length) {
    tree = waterfall(spans, { compact: true });
    applyConsoleNames(tree, spans, names);
  }
  const rootName = cell.spans[0] && names && names[cell.spans[0].spanId];
  const root = rootName ? rootName.label : cell.rootName;
  return h(
    'div',
    {
      class: `vendor-col card${cell.error ? ' has-error' : ''}`,
      'data-testid': 'vendor-column',
      'data-vendor': vendor,
    },
    head,
    h(
      'div',
      { class: 'col-stats' },
      h('span', {}, h('b', {}, cell.spanCount), ' spans'),
      cell.durationMs === null ? null : h('span', {}, h('b', {}, fmtMs(cell.durationMs))),
      h('span', { class: cell.errors.length ? 'err' : '' }, h('b', {}, cell.errors.length), ' errors'),
      h('span', {}, h('b', {}, cell.logs), ' logs'),
    ),
    root ? h('div', { class: 'col-root mono', title: root }, root) : null,
    tree || h('p', { class: 'muted small' }, 'No spans (this vendor records errors/logs only).'),
    cell.spanCount > spans.length
      ? h('p', { class: 'muted small' }, `…and ${cell.spanCount - spans.length} more spans`)
      : null,
    cell.errors.length
      ? h(
          'div',
          { class: 'col-section' },
          h('h3', {}, 'Errors'),
          cell.errors.map((e) =>
            h(
              'div',
              { class: 'col-error', 'data-testid': 'column-error' },
              h('strong', {}, e.type),
              h('span', { class: 'mono' }, e.message),
              e.recordCount > 1
                ? h(
                    'span',
                    { class: 'muted small', title: 'native records the vendor sent for this one error' },
                    ` ×${e.recordCount} records`,
                  )
                : null,
            ),
          ),
        )
      : null,
    cell.logSamples.length
      ? h(
          'div',
          { class: 'col-section' },
          h('h3', {}, 'Logs'),
          cell.logSamples.map((l) =>
            h(
              'div',
              { class: 'col-log' },
              h('span', { class: `level level-${String(l.level).toLowerCase()}` }, l.level),
              h('span', { class: 'mono' }, l.message),
            ),
          ),
        )
      : null,
    cell.traceIds.length
      ? h(
          'div',
          { class: 'col-links' },
          cell.traceIds.map((id) =>
            h(
              'a',
              { href: traceHref(vendor, id), class: 'mono small', title: id },
              `open trace ${id.slice(0, 12)}… →`,
            ),
          ),
        )
      : null,
  );
}

async function renderCompareView(run, seqText) {
  const only = query().get('only') || '';
  if (!run) {
    const runs = await api('/api/runs');
    if (!runs.length) {
      return h(
        'section',
        { class: 'page', 'data-testid': 'compare-view' },
        h('div', { class: 'page-head' }, h('h1', {}, 'Side by side')),
        emptyState(
          'No runs yet',
          'Send traffic with x-bakeoff-run / x-bakeoff-seq headers (e.g. `npx bakeoff load --run demo`) to compare one request across vendors.',
        ),
      );
    }
    location.replace(compareUrl(runs[0].runId, null, only));
    return null;
  }
  const seq = seqText === undefined ? undefined : Number(seqText);
  const [data, index] = await Promise.all([
    api(`/api/runs/${enc(run)}/requests${seq === undefined ? '' : `?seq=${seq}`}`),
    api(`/api/compare/${enc(run)}${seq === undefined ? '' : `?seq=${seq}`}`),
  ]);
  // Requests known only from errors or logs (Rollbar, CloudWatch) are in the picker too, without a route.
  const bySeq = new Map(index.requests.map((r) => [r.seq, r]));
  const all = data.seqs.map(
    (s) =>
      bySeq.get(s) || { seq: s, route: null, httpStatus: null, error: false, delayMs: null, fault: null },
  );
  const shown = all.filter((r) => keepRequest(r, only));
  if (seq === undefined && all.length) {
    const first = shown[0] || all[0];
    location.replace(compareUrl(run, first.seq, only));
    return null;
  }
  const { select: runPicker } = await runSelect(
    run,
    (value) => (location.hash = compareUrl(value, null, only)),
    {
      allowAll: false,
    },
  );
  const position = shown.findIndex((r) => r.seq === seq);
  const request = data.requests.find((r) => r.seq === seq);
  const current = bySeq.get(seq);
  const step = (delta) => {
    // From a request outside the filter, step to the nearest one inside it.
    const target =
      position >= 0
        ? shown[position + delta]
        : delta > 0
          ? shown.find((r) => r.seq > seq)
          : [...shown].reverse().find((r) => r.seq < seq);
    return target ? compareUrl(run, target.seq, only) : null;
  };
  const prev = step(-1);
  const next = step(1);
  const pickerItems = position >= 0 || !current ? shown : [current, ...shown];
  const seqPicker = h(
    'select',
    {
      class: 'select request-picker',
      'data-testid': 'seq-select',
      'aria-label': 'Request',
      onchange: (e) => (location.hash = compareUrl(run, e.target.value, only)),
    },
    pickerItems.map((r) => h('option', { value: r.seq, selected: r.seq === seq }, requestLabel(r))),
  );
  const filter = h(
    'select',
    {
      class: 'select narrow',
      'data-testid': 'request-filter',
      'aria-label': 'Show requests',
      onchange: (e) => {
        const kept = all.filter((r) => keepRequest(r, e.target.value));
        location.hash = compareUrl(run, kept.length ? kept[0].seq : seq, e.target.value);
      },
    },
    COMPARE_FILTERS.map(([v, text]) => h('option', { value: v, selected: v === only }, text)),
  );
  return viewPage(
    'compare-view',
    {
      title: 'Side by side',
      sub: [current ? requestLabel(current) : `Request #${seqText}`, ` — run ${run}`],
      subAttrs: { 'data-testid': 'compare-request' },
      tools: h(
        'div',
        { class: 'toolbar wrap' },
        h('label', { class: 'field' }, 'Run', runPicker),
        h('label', { class: 'field' }, 'Show', filter),
        h('label', { class: 'field' }, `Request (${shown.length} of ${all.length})`, seqPicker),
        h(
          'a',
          {
            class: `button${prev ? '' : ' disabled'}`,
            href: prev || undefined,
            'aria-label': 'previous request',
            'data-testid': 'prev-request',
          },
          '←',
        ),
        h(
          'a',
          {
            class: `button${next ? '' : ' disabled'}`,
            href: next || undefined,
            'aria-label': 'next request',
            'data-testid': 'next-request',
          },
          '→',
        ),
      ),
    },
    data.vendors.length
      ? h(
          'div',
          {
            class: 'columns wrap',
            'data-testid': 'vendor-columns',
            style: { '--cols': data.vendors.length },
          },
          data.vendors.map((v) => compareColumn(v, request ? request.vendors[v] : null, index.names[v])),
        )
      : emptyState('Nothing received for this run'),
  );
}

registerView('compare', { nav: 'compare', render: (parts) => renderCompareView(parts[0], parts[1]) });
