// Service map (issue 14): per vendor, the services and what they call (database, other services, queues, HTTP
// hosts, AWS APIs), drawn from that vendor's spans only; edges carry call count, p50/p95 and error rate. Without
// a vendor in the URL every vendor's map of the run is shown side by side. The layout (layers left to right) is
// computed server-side (sandbox/views/service-map.ts); this draws it as plain SVG.
// State in the URL: #/map?vendor=xray&run=demo (no run: the latest run; run=*: every run).
/* global h, api, fmtMs, fmtNum, vendorLabel, vendorColor, serviceColor, query, emptyState,
   registerView, svg, viewRun, fmtRate, viewHref, analysisToolbar, viewPage */
'use strict';

const MAP = { colWidth: 310, nodeWidth: 164, nodeHeight: 46, rowGap: 84, pad: 16 };
const NODE_COLORS = {
  client: '#64748b',
  database: '#475569',
  queue: '#b45309',
  http: '#7c3aed',
  aws: '#c2410c',
  other: '#64748b',
};
const KIND_LABELS = {
  client: 'incoming requests',
  service: 'service',
  database: 'database',
  queue: 'queue',
  http: 'HTTP',
  aws: 'AWS API',
  other: 'call',
};

const nodeColor = (n) => (n.kind === 'service' ? serviceColor(n.label) : NODE_COLORS[n.kind]);
const edgeText = (s) =>
  `${fmtNum(s.count)} calls · p50 ${fmtMs(s.p50)} · p95 ${fmtMs(s.p95)} · ${fmtRate(s.errorRate)} errors`;

/** Node centre-left/right anchors in SVG units. */
function placed(nodes) {
  const at = new Map();
  for (const n of nodes) {
    const x = MAP.pad + n.layer * MAP.colWidth;
    const y = MAP.pad + 18 + n.row * MAP.rowGap;
    at.set(n.id, { x, y, node: n });
  }
  return at;
}

function mapSvg(map) {
  const at = placed(map.nodes);
  const layers = Math.max(1, ...map.nodes.map((n) => n.layer + 1));
  const rows = Math.max(1, ...map.nodes.map((n) => n.row + 1));
  const width = MAP.pad * 2 + (layers - 1) * MAP.colWidth + MAP.nodeWidth;
  const height = MAP.pad * 2 + 18 + (rows - 1) * MAP.rowGap + MAP.nodeHeight + 8;
  const edges = map.edges.map((e) => {
    const a = at.get(e.from);
    const b = at.get(e.to);
    const x1 = a.x + MAP.nodeWidth;
    const y1 = a.y + MAP.nodeHeight / 2;
    const x2 = b.x;
    const y2 = b.y + MAP.nodeHeight / 2;
    // Backwards or same-column edges (a call cycle) bow below the nodes instead of crossing them.
    const back = x2 <= x1;
    const d = back
      ? `M${x1},${y1} C${x1 + 60},${y1 + 80} ${x2 - 60},${y2 + 80} ${x2},${y2}`
      : `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`;
    const midX = (x1 + x2) / 2;
    const midY = back ? Math.max(y1, y2) + 60 : (y1 + y2) / 2;
    const failing = e.stats.errorRate > 0;
    return svg(
      'g',
      {
        class: `map-edge${failing ? ' failing' : ''}`,
        'data-testid': 'map-edge',
        'data-from': e.from,
        'data-to': e.to,
        tabindex: 0,
        'aria-label': `${a.node.label} to ${b.node.label}: ${edgeText(e.stats)}`,
      },
      svg('title', {}, `${a.node.label} → ${b.node.label}\n${edgeText(e.stats)}`),
      svg('path', { d, 'marker-end': `url(#arrow${failing ? '-err' : ''})` }),
      // Above and below the line, with a white halo, so neither line covers the curve.
      svg(
        'text',
        { x: midX, y: midY - 6, 'text-anchor': 'middle', class: 'edge-label' },
        `${fmtNum(e.stats.count)} calls · ${fmtRate(e.stats.errorRate)} err`,
      ),
      svg(
        'text',
        { x: midX, y: midY + 14, 'text-anchor': 'middle', class: 'edge-label' },
        `p50 ${fmtMs(e.stats.p50)} · p95 ${fmtMs(e.stats.p95)}`,
      ),
    );
  });
  const nodes = map.nodes.map((n) => {
    const { x, y } = at.get(n.id);
    return svg(
      'g',
      {
        class: `map-node kind-${n.kind}`,
        'data-testid': 'map-node',
        'data-node-id': n.id,
        'data-kind': n.kind,
        transform: `translate(${x},${y})`,
      },
      svg('title', {}, `${n.label} (${KIND_LABELS[n.kind]}${n.owner ? ` of ${n.owner}` : ''})`),
      svg('rect', {
        width: MAP.nodeWidth,
        height: MAP.nodeHeight,
        rx: n.kind === 'database' ? 14 : 8,
        style: `--node:${nodeColor(n)}`,
      }),
      svg(
        'text',
        { x: 12, y: 19, class: 'node-label' },
        n.label.length > 20 ? `${n.label.slice(0, 19)}…` : n.label,
      ),
      svg(
        'text',
        { x: 12, y: 36, class: 'node-kind' },
        n.owner ? `${KIND_LABELS[n.kind]} of ${n.owner}` : KIND_LABELS[n.kind],
      ),
    );
  });
  return svg(
    'svg',
    {
      class: 'map-svg',
      viewBox: `0 0 ${width} ${height}`,
      width,
      role: 'img',
      'aria-label': `${map.label} service map: ${map.nodes.length} nodes, ${map.edges.length} edges`,
    },
    svg(
      'defs',
      {},
      ['arrow', 'arrow-err'].map((id) =>
        svg(
          'marker',
          { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' },
          svg('path', { d: 'M0,0 L10,5 L0,10 z', class: id }),
        ),
      ),
    ),
    edges,
    nodes,
  );
}

function edgeTable(map) {
  const label = new Map(map.nodes.map((n) => [n.id, n.label]));
  return h(
    'details',
    { class: 'map-edges' },
    h('summary', {}, `Edges as a table (${map.edges.length})`),
    h(
      'table',
      { class: 'table compact', 'data-testid': 'map-edge-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['From', 'To', 'Calls', 'p50', 'p95', 'Errors'].map((c, i) =>
            h('th', { class: i > 1 ? 'num' : null }, c),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        map.edges.map((e) =>
          h(
            'tr',
            {},
            h('td', {}, label.get(e.from)),
            h('td', {}, label.get(e.to)),
            h('td', { class: 'num' }, fmtNum(e.stats.count)),
            h('td', { class: 'num' }, fmtMs(e.stats.p50)),
            h('td', { class: 'num' }, fmtMs(e.stats.p95)),
            h('td', { class: `num${e.stats.errorRate > 0 ? ' err' : ''}` }, fmtRate(e.stats.errorRate)),
          ),
        ),
      ),
    ),
  );
}

function mapCard(map, { single }) {
  const head = h(
    'div',
    { class: 'col-head', style: { '--vendor': vendorColor(map.vendor) } },
    h('i', { class: 'dot' }),
    single
      ? h('strong', {}, map.label)
      : h('a', { href: viewHref('map', { vendor: map.vendor, run: map.run }) }, h('strong', {}, map.label)),
    map.traces ? h('span', { class: 'muted small' }, `${fmtNum(map.traces)} traces`) : null,
  );
  let body;
  if (!map.supported)
    body = h('p', { class: 'notice map-unsupported', 'data-testid': 'map-unsupported' }, map.reason);
  else if (!map.edges.length) body = h('p', { class: 'muted small' }, map.reason || 'No calls recorded.');
  else body = [h('div', { class: 'map-scroll' }, mapSvg(map)), edgeTable(map)];
  return h(
    'section',
    {
      class: `card map-card${single ? ' single' : ''}`,
      'data-testid': 'map-card',
      'data-vendor': map.vendor,
    },
    head,
    body,
  );
}

async function renderMap() {
  const q = query();
  const vendor = q.get('vendor') || '';
  const picked = await viewRun(q, (run) => (location.hash = viewHref('map', { vendor, run })));
  const params = new URLSearchParams();
  if (vendor) params.set('vendor', vendor);
  if (picked.run) params.set('run', picked.run);
  const data = await api(`/api/service-map?${params}`);
  const maps = data.maps.map((m) => ({ ...m, run: picked.param }));
  return viewPage(
    'map-view',
    {
      title: 'Service map',
      sub: vendor
        ? `What ${vendorLabel(vendor)}'s spans say called what${picked.run ? ` in run ${picked.run}` : ''}.`
        : `Each vendor's map from its own spans, side by side${picked.run ? `, run ${picked.run}` : ''}.`,
      tools: analysisToolbar('map', vendor, picked),
    },
    maps.length
      ? h(
          'div',
          { class: `map-grid${vendor ? ' one' : ''}`, 'data-testid': 'map-grid' },
          maps.map((m) => mapCard(m, { single: Boolean(vendor) })),
        )
      : emptyState(
          'No spans yet',
          'Send traffic (e.g. `npx bakeoff serve --demo`) and each vendor’s map appears here.',
        ),
  );
}

registerView('map', { nav: 'map', render: renderMap });
