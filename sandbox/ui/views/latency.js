// Latency by attribute (issue 14; the seed homework's Honeycomb board): per vendor, a heatmap of request
// duration over time and count, p50, p95, p99 and error rate grouped by an attribute. All of it is computed
// server-side (sandbox/views/latency.ts); this draws it. Click a group to narrow the heatmap to it, a cell to list
// its traces. State in the URL: #/latency?by=app.user_handle&vendor=xray&group=ada&cell=xray:3:12&run=demo
// (no run: the latest run; run=*: every run).
/* global h, api, fmtMs, fmtNum, fmtTime, vendorColor, vendorSelect, traceHref, compareHref, query, emptyState,
   registerView, svg, viewRun, fmtRate, viewHref, viewPage */
'use strict';

const GROUP_KEYS = ['route', 'status', 'app.user_handle', 'chaos.rule'];
const HEAT = { cell: 16, rowHeight: 18, left: 64, bottom: 22, top: 4 };

function latencyHref(state, change) {
  return viewHref('latency', { ...state, ...change });
}

/** Trace search's parameters for a group and a duration band (search.js reads the same names). */
function searchHrefFor(state, v, band) {
  const group = state.group ? v.groups.find((g) => g.value === state.group) : null;
  const params = { vendor: v.vendor, run: state.run === '*' ? '' : state.run };
  if (band) Object.assign(params, { minMs: band.minMs, maxMs: band.maxMs });
  if (group && group.value !== '(none)') {
    if (state.by === 'route') params.name = group.value;
    else if (group.key) params.attr = `${group.key}=${group.value}`;
  }
  return viewHref('search', params);
}

function statsLine(s) {
  return h(
    'div',
    { class: 'col-stats', 'data-testid': 'latency-stats' },
    h('span', {}, h('b', {}, fmtNum(s.count)), ' requests'),
    h('span', {}, 'p50 ', h('b', {}, fmtMs(s.p50))),
    h('span', {}, 'p95 ', h('b', {}, fmtMs(s.p95))),
    h('span', {}, 'p99 ', h('b', {}, fmtMs(s.p99))),
    h('span', { class: s.errorRate > 0 ? 'err' : '' }, h('b', {}, fmtRate(s.errorRate)), ' errors'),
  );
}

function heatmap(board, v, state) {
  const bands = board.bands;
  const { buckets, startMs, bucketMs } = v.time;
  const width = HEAT.left + buckets * HEAT.cell;
  const height = HEAT.top + bands.length * HEAT.rowHeight + HEAT.bottom;
  const max = Math.max(1, ...v.cells.flat());
  const selected = state.cell ? state.cell.split(':') : null;
  const cells = [];
  // Slowest band on top, as a console's heatmap reads.
  bands.forEach((band, b) => {
    const y = HEAT.top + (bands.length - 1 - b) * HEAT.rowHeight;
    for (let t = 0; t < buckets; t++) {
      const count = v.cells[b][t];
      if (!count) continue;
      const from = startMs + t * bucketMs;
      const isSelected = selected && selected[0] === v.vendor && +selected[1] === b && +selected[2] === t;
      const open = () =>
        (location.hash = latencyHref(state, { cell: isSelected ? '' : `${v.vendor}:${b}:${t}` }));
      cells.push(
        svg(
          'rect',
          {
            class: `heat-cell${isSelected ? ' selected' : ''}`,
            'data-testid': 'heat-cell',
            'data-band': b,
            'data-bucket': t,
            'data-count': count,
            x: HEAT.left + t * HEAT.cell + 1,
            y: y + 1,
            width: HEAT.cell - 2,
            height: HEAT.rowHeight - 2,
            rx: 2,
            style: `--heat:${vendorColor(v.vendor)};fill-opacity:${(0.2 + (0.8 * count) / max).toFixed(2)}`,
            tabindex: 0,
            role: 'button',
            'aria-label': `${count} requests of ${fmtMs(band.minMs)} to ${fmtMs(band.maxMs)} from ${fmtTime(from)}`,
            onclick: open,
            onkeydown: (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), open()),
          },
          svg(
            'title',
            {},
            `${count} requests · ${fmtMs(band.minMs)}–${fmtMs(band.maxMs)} · ${fmtTime(from)}`,
          ),
        ),
      );
    }
  });
  const axis = [];
  bands.forEach((band, b) => {
    if (b % 2 !== 0 && b !== bands.length - 1) return;
    const y = HEAT.top + (bands.length - 1 - b) * HEAT.rowHeight + HEAT.rowHeight - 4;
    axis.push(
      svg('text', { x: HEAT.left - 6, y, 'text-anchor': 'end', class: 'heat-axis' }, fmtMs(band.maxMs)),
    );
  });
  const base = HEAT.top + bands.length * HEAT.rowHeight + 15;
  axis.push(svg('text', { x: HEAT.left, y: base, class: 'heat-axis' }, fmtTime(startMs)));
  axis.push(
    svg(
      'text',
      { x: width, y: base, 'text-anchor': 'end', class: 'heat-axis' },
      fmtTime(startMs + buckets * bucketMs),
    ),
  );
  return svg(
    'svg',
    {
      class: 'heatmap',
      viewBox: `0 0 ${width} ${height}`,
      width,
      role: 'group',
      'aria-label': `${v.label}: request duration (rows, slowest on top) over time (columns)`,
      'data-testid': 'heatmap',
    },
    svg('rect', {
      x: HEAT.left,
      y: HEAT.top,
      width: buckets * HEAT.cell,
      height: bands.length * HEAT.rowHeight,
      class: 'heat-bg',
    }),
    cells,
    axis,
  );
}

function groupTable(v, state) {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table compact latency-groups', 'data-testid': 'latency-groups' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [state.by, 'Count', 'p50', 'p95', 'p99', 'Errors'].map((c, i) =>
            h('th', { class: i ? 'num' : null }, c),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        v.groups.map((g) => {
          const active = state.group === g.value;
          return h(
            'tr',
            { class: active ? 'selected' : null, 'data-testid': 'latency-group', 'data-value': g.value },
            h(
              'td',
              { class: 'group-value' },
              h(
                'a',
                {
                  href: latencyHref(state, { group: active ? '' : g.value, cell: '' }),
                  title: active ? 'Show every group again' : `Only ${g.value} in the heatmap`,
                  'aria-pressed': active ? 'true' : 'false',
                },
                g.value,
              ),
            ),
            h('td', { class: 'num' }, fmtNum(g.count)),
            h('td', { class: 'num' }, fmtMs(g.p50)),
            h('td', { class: 'num' }, fmtMs(g.p95)),
            h('td', { class: 'num' }, fmtMs(g.p99)),
            h('td', { class: `num${g.errorRate > 0 ? ' err' : ''}` }, fmtRate(g.errorRate)),
          );
        }),
      ),
    ),
    v.moreGroups ? h('p', { class: 'muted small' }, `…and ${v.moreGroups} more values`) : null,
  );
}

function cellList(board, v, state) {
  if (!v.cellSamples) return null;
  const [, b] = state.cell.split(':');
  const band = board.bands[+b];
  return h(
    'div',
    { class: 'cell-samples', 'data-testid': 'cell-samples' },
    h(
      'div',
      { class: 'cell-head' },
      h('strong', {}, `${v.cellSamples.length} request${v.cellSamples.length === 1 ? '' : 's'} in this cell`),
      v.source === 'traces'
        ? h(
            'a',
            { href: searchHrefFor(state, v, band), 'data-testid': 'cell-search-link' },
            'Open in trace search →',
          )
        : null,
    ),
    h(
      'ul',
      { class: 'event-list' },
      v.cellSamples.map((s) =>
        h(
          'li',
          { class: `event${s.error ? ' error' : ''}`, 'data-testid': 'cell-sample' },
          h('span', { class: 'muted mono' }, fmtTime(s.startMs)),
          ' ',
          s.traceId
            ? h('a', { class: 'mono', href: traceHref(v.vendor, s.traceId) }, s.label)
            : s.runId
              ? h('a', { class: 'mono', href: compareHref(s.runId, s.seq) }, s.label)
              : h('span', { class: 'mono' }, s.label),
          ' ',
          h('b', {}, fmtMs(s.durationMs)),
          s.error ? h('span', { class: 'badge error' }, 'error') : null,
        ),
      ),
    ),
  );
}

function latencyCard(board, v, state) {
  const head = h(
    'div',
    { class: 'col-head', style: { '--vendor': vendorColor(v.vendor) } },
    h('i', { class: 'dot' }),
    h('strong', {}, v.label),
    v.source === 'logs' ? h('span', { class: 'muted small' }, 'from access-log lines') : null,
  );
  const body = v.stats.count
    ? [statsLine(v.stats), heatmap(board, v, state), cellList(board, v, state), groupTable(v, state)]
    : [
        h(
          'p',
          { class: 'notice', 'data-testid': 'latency-unsupported' },
          v.reason || 'Nothing in this group.',
        ),
      ];
  return h(
    'section',
    { class: 'card latency-card', 'data-testid': 'latency-card', 'data-vendor': v.vendor },
    head,
    body,
  );
}

async function renderLatency() {
  const q = query();
  const vendor = q.get('vendor') || '';
  const by = q.get('by') || 'route';
  const go = (change) => (location.hash = latencyHref(state, change));
  const picked = await viewRun(q, (run) => go({ run, cell: '' }));
  const state = { vendor, by, run: picked.param, group: q.get('group') || '', cell: q.get('cell') || '' };
  const params = new URLSearchParams({ by });
  for (const k of ['vendor', 'group', 'cell']) if (state[k]) params.set(k, state[k]);
  if (picked.run) params.set('run', picked.run);
  const board = await api(`/api/latency?${params}`);
  const keyInput = h('input', {
    class: 'input',
    name: 'by',
    value: by,
    list: 'latency-keys',
    'aria-label': 'Group by attribute',
    'data-testid': 'group-by',
    onchange: (e) => go({ by: e.target.value.trim() || 'route', group: '', cell: '' }),
  });
  return viewPage(
    'latency-view',
    {
      title: 'Latency by attribute',
      sub: `Request duration over time, grouped by ${by}${state.group ? ` (only ${state.group})` : ''}${picked.run ? `, run ${picked.run}` : ''}.`,
      tools: h(
        'div',
        { class: 'toolbar' },
        h(
          'label',
          { class: 'field' },
          'Vendor',
          vendorSelect(vendor, (v) => go({ vendor: v, cell: '' })),
        ),
        h(
          'label',
          { class: 'field' },
          'Group by',
          keyInput,
          h(
            'datalist',
            { id: 'latency-keys' },
            GROUP_KEYS.map((k) => h('option', { value: k })),
          ),
        ),
        h('label', { class: 'field' }, 'Run', picked.select),
      ),
    },
    board.vendors.length
      ? h(
          'div',
          { class: `latency-grid${vendor ? ' one' : ''}`, 'data-testid': 'latency-grid' },
          board.vendors.map((v) => latencyCard(board, v, state)),
        )
      : emptyState(
          'No data yet',
          'Send traffic (e.g. `npx bakeoff serve --demo`) and each vendor’s latency appears here.',
        ),
  );
}

registerView('latency', { nav: 'latency', render: renderLatency });
