// bakeoff sandbox UI: plain browser JavaScript, no build step, no third-party code.
// Every view is rendered from the JSON API with DOM calls (never innerHTML with data), so nothing a vendor
// payload contains can inject markup.
'use strict';

// Vendors, in order, with their labels: from the vendor manifests (`/api/vendor-manifest`), loaded before the
// first render. Colors are this UI's own.
const VENDORS = {};
const VENDOR_COLORS = {
  honeycomb: '#e0a800',
  otlp: '#64748b',
  xray: '#0284c7',
  // X-Ray through OpenTelemetry: X-Ray's blue, lighter, so the two sit apart side by side.
  'xray-otel': '#38bdf8',
  sentry: '#e1567c',
  rollbar: '#16a34a',
  datadog: '#632ca6',
  cloudwatch: '#0d9488',
};
// Distinct hues that stay clear of the chaos orange and the error red.
const SERVICE_COLORS = [
  '#3b82f6',
  '#10b981',
  '#a855f7',
  '#ec4899',
  '#eab308',
  '#06b6d4',
  '#84cc16',
  '#6366f1',
];
// The demo's two services get fixed colours so every screenshot reads the same.
const KNOWN_SERVICES = { activities: '#3b82f6', users: '#10b981' };
const CHAOS_SPAN = 'chaos.latency';

const view = document.getElementById('view');

// ---- small helpers ---------------------------------------------------------------------------------------

/** h('div', {class: 'x', onclick: fn, 'data-testid': 't'}, child, 'text', [children]) */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'style' && typeof v === 'object') {
      // setProperty, because custom properties (--vendor, --svc) are ignored by plain assignment.
      for (const [prop, value] of Object.entries(v)) {
        if (value === null || value === undefined) continue;
        if (prop.startsWith('--')) el.style.setProperty(prop, String(value));
        else el.style[prop] = value;
      }
    } else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}
function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

async function api(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Error(body.error || `${res.status} ${res.statusText}`);
  }
  return res.json();
}

const vendorLabel = (v) => (VENDORS[v] ? VENDORS[v].label : v);
const vendorColor = (v) => VENDOR_COLORS[v] || '#64748b';

function serviceColor(name) {
  const known = KNOWN_SERVICES[String(name).replace(/^bakeoff[-_.]/, '')];
  if (known) return known;
  let hash = 0;
  for (const ch of String(name)) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return SERVICE_COLORS[hash % SERVICE_COLORS.length];
}

function fmtMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}
const fmtTime = (ms) => (ms ? new Date(ms).toLocaleTimeString([], { hour12: false }) : '–');
const fmtNum = (n) => Number(n || 0).toLocaleString('en-US');

function fmtValue(v) {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return JSON.stringify(v, null, 1);
  return String(v);
}

const enc = encodeURIComponent;
const traceHref = (vendor, traceId) => `#/trace/${enc(vendor)}/${enc(traceId)}`;

/** A duration with a bar scaled to the longest one in the table (`max`). */
function durationCell(ms, max) {
  return h(
    'td',
    { class: 'num duration-cell' },
    h('span', { class: 'mini-bar' }, h('i', { style: { width: `${Math.max(2, (ms / max) * 100)}%` } })),
    fmtMs(ms),
  );
}

/** A table row for trace `t` that opens its waterfall when clicked anywhere but on a link inside it. */
function traceRow(t, testid, ...cells) {
  return h(
    'tr',
    {
      class: `clickable${t.error ? ' has-error' : ''}`,
      'data-testid': testid,
      'data-vendor': t.vendor,
      'data-trace-id': t.traceId,
      onclick: (e) => {
        if (!e.target.closest('a')) location.hash = traceHref(t.vendor, t.traceId);
      },
    },
    ...cells,
  );
}
const compareHref = (run, seq) =>
  `#/compare/${enc(run)}${seq === null || seq === undefined ? '' : `/${seq}`}`;

function vendorPill(vendor) {
  return h(
    'span',
    { class: 'vendor-pill', style: { '--vendor': vendorColor(vendor) }, 'data-vendor': vendor },
    h('i'),
    vendorLabel(vendor),
  );
}
/** What chaos did to one request: `{delayMs, fault}` (either may be null) as one badge, or nothing. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- used by sandbox/ui/views/*.js
function chaosBadge(chaos) {
  if (!chaos || (chaos.delayMs === null && chaos.fault === null)) return null;
  const parts = [chaos.delayMs !== null ? `+${Math.round(chaos.delayMs)} ms` : null, chaos.fault];
  return h(
    'span',
    {
      class: 'badge chaos-injected',
      'data-testid': 'chaos-injected',
      title: `injected ${[chaos.delayMs !== null && 'delay', chaos.fault !== null && `fault "${chaos.fault}"`].filter(Boolean).join(' and ')}`,
    },
    `chaos ${parts.filter(Boolean).join(' · ')}`,
  );
}
function runSeq(runId, seq) {
  if (!runId) return h('span', { class: 'muted' }, '–');
  return h(
    'a',
    { class: 'run-seq', href: compareHref(runId, seq), title: 'Compare this request across vendors' },
    h('span', { class: 'run' }, runId),
    seq !== null && seq !== undefined ? h('span', { class: 'seq' }, `#${seq}`) : null,
  );
}
function serviceChip(name) {
  return h('span', { class: 'service-chip' }, h('i', { style: { background: serviceColor(name) } }), name);
}
function emptyState(title, ...lines) {
  return h(
    'div',
    { class: 'empty', 'data-testid': 'empty-state' },
    h('strong', {}, title),
    lines.map((l) => h('p', {}, l)),
  );
}
function query() {
  const q = location.hash.split('?')[1] || '';
  return new URLSearchParams(q);
}
function setQuery(base, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  location.hash = s ? `${base}?${s}` : base;
}

async function runSelect(current, onChange, { allowAll = true } = {}) {
  const runs = await api('/api/runs');
  const select = h(
    'select',
    { class: 'select', 'data-testid': 'run-select', onchange: (e) => onChange(e.target.value) },
    allowAll ? h('option', { value: '' }, 'All runs') : null,
    runs.map((r) =>
      h(
        'option',
        { value: r.runId, selected: r.runId === current },
        `${r.runId} · ${r.requests} req · ${r.vendors.length} vendor${r.vendors.length === 1 ? '' : 's'}`,
      ),
    ),
  );
  return { select, runs };
}

function vendorSelect(current, onChange) {
  return h(
    'select',
    { class: 'select', 'data-testid': 'vendor-select', onchange: (e) => onChange(e.target.value) },
    h('option', { value: '' }, 'All vendors'),
    Object.keys(VENDORS).map((v) => h('option', { value: v, selected: v === current }, vendorLabel(v))),
  );
}

// ---- Traces ----------------------------------------------------------------------------------------------

async function renderTraces() {
  const q = query();
  const vendor = q.get('vendor') || '';
  const run = q.get('run') || '';
  const params = new URLSearchParams({ limit: '200' });
  if (vendor) params.set('vendor', vendor);
  if (run) params.set('run', run);
  const [vendors, traces, runPicker] = await Promise.all([
    api('/api/vendors'),
    api(`/api/traces?${params}`),
    runSelect(run, (value) => setQuery('#/', { vendor, run: value })),
  ]);
  const totalSpans = vendors.reduce((n, v) => n + v.spans, 0);
  const tabs = h(
    'div',
    { class: 'tabs', role: 'tablist' },
    h(
      'a',
      {
        class: `tab${vendor ? '' : ' active'}`,
        href: run ? `#/?run=${enc(run)}` : '#/',
        'data-testid': 'vendor-tab',
        'data-vendor': '',
      },
      h('span', { class: 'tab-name' }, 'All vendors'),
      h('span', { class: 'tab-count' }, `${fmtNum(totalSpans)} spans`),
    ),
    vendors.map((v) => {
      const empty = v.payloads + v.spans + v.errors + v.logs === 0;
      const detail = v.spans
        ? `${fmtNum(v.spans)} spans`
        : v.errors || v.logs
          ? `${fmtNum(v.errors)} err · ${fmtNum(v.logs)} logs`
          : 'nothing yet';
      const href = `#/?${new URLSearchParams(Object.entries({ vendor: v.vendor, run }).filter(([, x]) => x))}`;
      return h(
        'a',
        {
          class: `tab${vendor === v.vendor ? ' active' : ''}${empty ? ' dim' : ''}`,
          href,
          style: { '--vendor': vendorColor(v.vendor) },
          'data-testid': 'vendor-tab',
          'data-vendor': v.vendor,
          title: `${fmtNum(v.payloads)} payloads · ${fmtNum(v.bytes)} bytes · ${fmtNum(v.spans)} spans · ${fmtNum(v.errors)} errors · ${fmtNum(v.logs)} logs`,
        },
        h('span', { class: 'tab-name' }, h('i', { class: 'dot' }), vendorLabel(v.vendor)),
        h('span', { class: 'tab-count' }, detail),
      );
    }),
  );

  const maxDuration = Math.max(1, ...traces.map((t) => t.durationMs));
  const body = traces.length
    ? h(
        'table',
        { class: 'table traces', 'data-testid': 'trace-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Vendor', 'Root span', 'Services', 'Spans', 'Duration', 'Run · seq', 'Received'].map((c) =>
              h('th', { class: c === 'Spans' || c === 'Duration' ? 'num' : null }, c),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          traces.map((t) =>
            traceRow(
              t,
              'trace-row',
              h('td', {}, vendorPill(t.vendor)),
              h(
                'td',
                { class: 'root' },
                h('a', { href: traceHref(t.vendor, t.traceId), class: 'mono' }, t.rootName || '(unnamed)'),
                t.error ? h('span', { class: 'badge error', 'data-testid': 'error-badge' }, 'error') : null,
              ),
              h('td', {}, h('div', { class: 'chips' }, t.services.map(serviceChip))),
              h('td', { class: 'num' }, fmtNum(t.spanCount)),
              durationCell(t.durationMs, maxDuration),
              h('td', {}, runSeq(t.runId, t.seq)),
              h('td', { class: 'muted nowrap' }, fmtTime(t.receivedAt)),
            ),
          ),
        ),
      )
    : emptyState(
        'No traces yet',
        'Point an app at this sandbox (or run `npx bakeoff serve --with-sandbox --with-load`) and traces appear here live.',
        `OTLP → ${location.protocol}//${location.hostname}:4318 · Datadog agent → :8126 · X-Ray daemon → :2000 · Sentry/Rollbar/CloudWatch → ${location.host}`,
      );

  return h(
    'section',
    { class: 'page', 'data-testid': 'traces-view' },
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Traces'),
      h('div', { class: 'toolbar' }, h('label', { class: 'field' }, 'Run', runPicker.select)),
    ),
    tabs,
    h('div', { class: 'card' }, body),
    traces.length >= 200 ? h('p', { class: 'muted small' }, 'Showing the 200 newest traces.') : null,
  );
}

// ---- Trace (waterfall) -----------------------------------------------------------------------------------

let selectedSpan = null; // `${vendor}/${traceId}/${spanId}` survives live refreshes

/** Depth-first order, children by start; spans whose parent is absent are roots. */
function treeOrder(spans) {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map();
  for (const s of spans) {
    const p = s.parentId && ids.has(s.parentId) && s.parentId !== s.spanId ? s.parentId : null;
    if (!children.has(p)) children.set(p, []);
    children.get(p).push(s);
  }
  for (const list of children.values()) list.sort((a, b) => a.startMs - b.startMs);
  const out = [];
  const seen = new Set();
  const walk = (p, depth) => {
    for (const s of children.get(p) || []) {
      if (seen.has(s.spanId)) continue;
      seen.add(s.spanId);
      out.push({ span: s, depth });
      walk(s.spanId, depth + 1);
    }
  };
  walk(null, 0);
  for (const s of spans) if (!seen.has(s.spanId)) out.push({ span: s, depth: 0 });
  return out;
}

function ticks(total) {
  return h(
    'div',
    { class: 'ticks' },
    [0, 0.25, 0.5, 0.75, 1].map((f) => h('span', { style: { left: `${f * 100}%` } }, fmtMs(total * f))),
  );
}

/** Span kinds the waterfall labels: the producer and consumer ends of an async (queue) hop. */
const QUEUE_KINDS = new Set(['producer', 'consumer']);

function waterfall(spans, { onSelect, selectedId, compact = false } = {}) {
  const ordered = treeOrder(spans);
  const start = Math.min(...spans.map((s) => s.startMs));
  const end = Math.max(...spans.map((s) => s.startMs + s.durationMs));
  const total = Math.max(end - start, 0.001);
  return h(
    'div',
    { class: `waterfall${compact ? ' compact' : ''}`, 'data-testid': 'waterfall' },
    compact
      ? null
      : h(
          'div',
          { class: 'wf-head' },
          h('div', { class: 'wf-label' }, 'Span'),
          h('div', { class: 'wf-track' }, ticks(total)),
        ),
    ordered.map(({ span, depth }) => {
      const chaos = span.name === CHAOS_SPAN;
      const left = ((span.startMs - start) / total) * 100;
      const width = Math.max((span.durationMs / total) * 100, 0.4);
      const delay = span.attributes?.['chaos.delay_ms'];
      const fault = span.attributes?.['chaos.fault'];
      // An in-progress span has no end yet: its bar runs open-ended to the end of the trace.
      const open = span.inProgress === true;
      const barWidth = open ? Math.max(100 - left, 0.4) : width;
      const events = span.events || [];
      const links = span.links || [];
      const classes = [
        'wf-row',
        chaos && 'chaos',
        span.status === 'error' && 'error',
        open && 'in-progress',
        selectedId === span.spanId && 'selected',
      ];
      return h(
        'div',
        {
          class: classes.filter(Boolean).join(' '),
          'data-testid': 'waterfall-row',
          'data-span-id': span.spanId,
          'data-span-name': span.name,
          'data-chaos': chaos ? 'true' : null,
          tabindex: onSelect ? 0 : null,
          onclick: onSelect ? () => onSelect(span) : null,
          onkeydown: onSelect ? (e) => e.key === 'Enter' && onSelect(span) : null,
          title: `${span.name} · ${span.service} · ${open ? 'in progress' : fmtMs(span.durationMs)}`,
        },
        h(
          'div',
          { class: 'wf-label', style: { paddingLeft: `${8 + depth * (compact ? 10 : 16)}px` } },
          h('i', { class: 'svc-dot', style: { background: serviceColor(span.service) } }),
          h('span', { class: 'wf-name' }, span.name),
          compact ? null : h('span', { class: 'wf-service' }, span.service),
          chaos
            ? h(
                'span',
                { class: 'badge chaos', 'data-testid': 'chaos-badge' },
                delay ? `chaos +${delay} ms` : 'chaos',
              )
            : null,
          fault && !compact ? h('span', { class: 'badge error' }, `fault: ${fault}`) : null,
          span.status === 'error' && !fault && !compact ? h('span', { class: 'badge error' }, 'error') : null,
          open
            ? h('span', { class: 'badge in-progress', 'data-testid': 'in-progress-badge' }, 'in progress')
            : null,
          // The two ends of a queue hop: the span that sent the message and the one that handled it.
          QUEUE_KINDS.has(span.kind)
            ? h('span', { class: `badge kind-${span.kind}`, 'data-testid': 'kind-badge' }, span.kind)
            : null,
          links.length && !compact
            ? h(
                'span',
                { class: 'badge link', 'data-testid': 'link-badge', title: 'links to other spans' },
                `${links.length} link${links.length === 1 ? '' : 's'}`,
              )
            : null,
        ),
        h(
          'div',
          { class: 'wf-track' },
          h('div', {
            class: 'wf-bar',
            style: { left: `${left}%`, width: `${barWidth}%`, '--svc': serviceColor(span.service) },
          }),
          events.map((ev) =>
            h('i', {
              class: `wf-event${ev.name === 'exception' ? ' exception' : ''}`,
              'data-testid': 'span-event',
              style: { left: `${Math.min(100, Math.max(0, ((ev.timeMs - start) / total) * 100))}%` },
              title: `${ev.name} · +${fmtMs(ev.timeMs - span.startMs)}`,
            }),
          ),
          open
            ? h('span', { class: 'wf-dur inside', style: { right: '0%' } }, 'in progress')
            : durationLabel(span.durationMs, left, width, compact),
        ),
      );
    }),
  );
}

/** Right of the bar when there is room; else inside a wide bar, or left of a narrow one. */
function durationLabel(durationMs, left, width, compact) {
  const end = left + width;
  if (end <= (compact ? 68 : 82))
    return h('span', { class: 'wf-dur', style: { left: `calc(${end}% + 6px)` } }, fmtMs(durationMs));
  if (width >= (compact ? 40 : 14))
    return h('span', { class: 'wf-dur inside', style: { right: `${100 - end}%` } }, fmtMs(durationMs));
  return h('span', { class: 'wf-dur', style: { right: `calc(${100 - left}% + 6px)` } }, fmtMs(durationMs));
}

function kvTable(bag, testid) {
  const entries = Object.entries(bag || {});
  if (!entries.length) return h('p', { class: 'muted small' }, 'empty');
  return h(
    'table',
    { class: 'kv', 'data-testid': testid },
    h(
      'tbody',
      {},
      entries
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, h('code', {}, fmtValue(v))))),
    ),
  );
}

function spanPanel(span, traceStart) {
  if (!span) {
    return h(
      'aside',
      { class: 'panel card hint', 'data-testid': 'span-panel' },
      h('strong', {}, 'Span details'),
      h(
        'p',
        { class: 'muted' },
        'Click a span in the waterfall to see its attributes, with each vendor-native bag shown apart.',
      ),
    );
  }
  const native = Object.entries(span.native || {});
  return h(
    'aside',
    { class: 'panel card', 'data-testid': 'span-panel' },
    h(
      'div',
      { class: 'panel-title' },
      h('i', { class: 'svc-dot', style: { background: serviceColor(span.service) } }),
      h('strong', { class: 'mono' }, span.name),
    ),
    kvTable(
      {
        service: span.service,
        kind: span.kind,
        status: span.statusMessage ? `${span.status}: ${span.statusMessage}` : span.status,
        'start offset': fmtMs(span.startMs - traceStart),
        duration: span.inProgress ? 'in progress (no end time received)' : fmtMs(span.durationMs),
        spanId: span.spanId,
        parentId: span.parentId || '(root)',
      },
      'span-fields',
    ),
    spanEvents(span),
    spanLinks(span),
    native.map(([name, bag]) =>
      h(
        'section',
        { class: 'bag', 'data-testid': 'native-bag', 'data-bag': name },
        h('h3', {}, name, h('span', { class: 'count' }, Object.keys(bag || {}).length)),
        kvTable(bag),
      ),
    ),
    h(
      'details',
      { class: 'bag', open: native.length === 0 },
      h(
        'summary',
        {},
        'All attributes (flattened)',
        h('span', { class: 'count' }, Object.keys(span.attributes || {}).length),
      ),
      kvTable(span.attributes, 'span-attributes'),
    ),
  );
}

/** A span's timed events (OTel span events), each with its offset from the span's start. */
function spanEvents(span) {
  const events = span.events || [];
  if (!events.length) return null;
  return h(
    'section',
    { class: 'bag', 'data-testid': 'span-events' },
    h('h3', {}, 'events', h('span', { class: 'count' }, events.length)),
    events.map((ev) =>
      h(
        'div',
        { class: 'span-event', 'data-testid': 'span-event-item' },
        h(
          'div',
          {},
          h('strong', { class: 'mono' }, ev.name),
          h('span', { class: 'muted' }, ` +${fmtMs(ev.timeMs - span.startMs)}`),
        ),
        Object.keys(ev.attributes || {}).length ? kvTable(ev.attributes) : null,
      ),
    ),
  );
}

/**
 * One link, opening the linked trace: "linked from request #N" once the linked trace's summary says which
 * request of the run it was (a consumer's link to the request that sent its message), else its ids.
 */
function linkedFrom(span, link) {
  const a = h(
    'a',
    { class: 'mono small', href: traceHref(span.vendor, link.traceId), 'data-testid': 'span-link' },
    link.traceId === span.traceId
      ? `linked from span ${link.spanId} (this trace)`
      : `trace ${link.traceId} · span ${link.spanId}`,
  );
  api(`/api/traces/${encodeURIComponent(span.vendor)}/${encodeURIComponent(link.traceId)}`)
    .then((trace) => {
      const summary = trace && trace.summary;
      if (summary && summary.seq !== null && summary.seq !== undefined) {
        a.textContent = `linked from request #${summary.seq} · ${summary.rootName}`;
      }
    })
    .catch(() => undefined); // The linked trace has not arrived (or was evicted): the ids stay.
  return a;
}

/** A span's links to other spans, each opening the linked trace in the same vendor. */
function spanLinks(span) {
  const links = span.links || [];
  if (!links.length) return null;
  return h(
    'section',
    { class: 'bag', 'data-testid': 'span-links' },
    h('h3', {}, 'links', h('span', { class: 'count' }, links.length)),
    links.map((link) =>
      h(
        'div',
        { class: 'span-link', 'data-testid': 'span-link-item' },
        linkedFrom(span, link),
        Object.keys(link.attributes || {}).length ? kvTable(link.attributes) : null,
      ),
    ),
  );
}

/**
 * What an error tracker's issue page shows beside the stack: the HTTP request, the user and the breadcrumbs
 * leading up to the error (Sentry keeps all three; Rollbar has request and person). Null when none arrived.
 */
function errorDetails(e, open) {
  const native = e.native || {};
  const request = native.request && Object.keys(native.request).length ? native.request : null;
  const user = native.user || native.person;
  const hasUser = user && Object.keys(user).length > 0;
  const crumbs = (native.breadcrumbs && native.breadcrumbs.values) || [];
  if (!request && !hasUser && !crumbs.length) return null;
  const parts = [request && 'request', hasUser && 'user', crumbs.length && `${crumbs.length} breadcrumbs`];
  return h(
    'details',
    { class: 'error-details', 'data-testid': 'error-details', open },
    h('summary', {}, parts.filter(Boolean).join(' · ')),
    request
      ? h(
          'section',
          { class: 'bag', 'data-testid': 'error-request' },
          h('h3', {}, 'request'),
          request.url || request.method
            ? h('div', { class: 'mono small' }, [request.method, request.url].filter(Boolean).join(' '))
            : null,
          kvTable(request),
        )
      : null,
    hasUser
      ? h('section', { class: 'bag', 'data-testid': 'error-user' }, h('h3', {}, 'user'), kvTable(user))
      : null,
    crumbs.length
      ? h(
          'section',
          { class: 'bag' },
          h('h3', {}, 'breadcrumbs', h('span', { class: 'count' }, crumbs.length)),
          h(
            'table',
            { class: 'kv breadcrumbs', 'data-testid': 'breadcrumbs' },
            h(
              'tbody',
              {},
              crumbs.map((c) =>
                h(
                  'tr',
                  {},
                  h('th', {}, c.category || c.type || 'default'),
                  h('td', {}, h('code', {}, c.message || (c.data ? fmtValue(c.data) : ''))),
                  h('td', { class: 'muted nowrap' }, c.level || ''),
                ),
              ),
            ),
          ),
        )
      : null,
  );
}

/** Where one native record behind an occurrence came from: its span and service, or its log group. */
function recordOrigin(r) {
  const a = r.attributes || {};
  const where = [a['span.name'], a['service.name'] || r.group].filter(Boolean).join(' · ');
  return `${where || r.message || '(record)'} — ${r.level}`;
}

/**
 * The vendor's native records behind one error occurrence (X-Ray's cause copied onto each subsegment, dd-trace's
 * tags on each Express layer span): shown as a fidelity fact, not counted as extra errors.
 */
function nativeRecords(e) {
  if (!(e.recordCount > 1)) return null;
  return h(
    'details',
    { class: 'native-records', 'data-testid': 'native-records' },
    h('summary', { class: 'muted small' }, `sent as ${e.recordCount} native records`),
    h(
      'ul',
      { class: 'mono small' },
      (e.records || []).map((r) => h('li', {}, recordOrigin(r))),
    ),
  );
}

function errorList(errors) {
  if (!errors.length) return h('p', { class: 'muted small' }, 'No errors.');
  return h(
    'ul',
    { class: 'event-list' },
    errors.map((e) =>
      h(
        'li',
        { class: 'event error', 'data-testid': 'error-item' },
        h(
          'div',
          {},
          h('strong', {}, e.type),
          h('span', { class: 'muted' }, ` · ${e.level} · ${fmtTime(e.timestamp)}`),
          e.release
            ? h('span', { class: 'muted', 'data-testid': 'error-release' }, ` · release ${e.release}`)
            : null,
        ),
        h('div', { class: 'mono msg' }, e.message),
        nativeRecords(e),
        e.frames?.length
          ? h(
              'div',
              { class: 'frames mono' },
              e.frames
                .slice(0, 3)
                .map((f) => h('div', {}, `at ${f.function || '?'} (${f.file || '?'}:${f.line ?? '?'})`)),
            )
          : null,
        errorDetails(e, true),
      ),
    ),
  );
}

function logList(logs) {
  if (!logs.length) return h('p', { class: 'muted small' }, 'No logs.');
  return h(
    'ul',
    { class: 'event-list' },
    logs.map((l) =>
      h(
        'li',
        { class: 'event log', 'data-testid': 'log-item' },
        h('span', { class: `level level-${String(l.level).toLowerCase()}` }, l.level),
        h('span', { class: 'muted mono' }, fmtTime(l.timestamp)),
        vendorPill(l.vendor),
        h('span', { class: 'mono msg' }, l.message),
      ),
    ),
  );
}

async function renderTrace(vendor, traceId) {
  const q = `vendor=${enc(vendor)}&trace=${enc(traceId)}`;
  let trace;
  try {
    trace = await api(`/api/traces/${enc(vendor)}/${enc(traceId)}`);
  } catch (err) {
    return h(
      'section',
      { class: 'page' },
      h('a', { class: 'back', href: '#/' }, '← Traces'),
      emptyState('Trace not found', err.message),
    );
  }
  // Log lines from any vendor that carry this trace's id (a CloudWatch line of an X-Ray trace), not only its own.
  const [errors, { logs }] = await Promise.all([
    api(`/api/errors?${q}`),
    api(`/api/search/logs?trace=${enc(traceId)}&limit=1000`),
  ]);
  const s = trace.summary;
  const key = (spanId) => `${vendor}/${traceId}/${spanId}`;
  const selected = trace.spans.find((sp) => selectedSpan === key(sp.spanId)) || null;
  const page = h('section', { class: 'page', 'data-testid': 'trace-view' });
  const draw = (sel) => {
    page.replaceChildren(
      h('a', { class: 'back', href: `#/?vendor=${enc(vendor)}` }, `← ${vendorLabel(vendor)} traces`),
      h(
        'div',
        { class: 'trace-head' },
        h('div', {}, vendorPill(vendor), s.error ? h('span', { class: 'badge error' }, 'error') : null),
        h('h1', { class: 'mono' }, s.rootName || '(unnamed)'),
        h(
          'div',
          { class: 'facts' },
          h('span', {}, h('b', {}, fmtMs(s.durationMs)), ' duration'),
          h('span', {}, h('b', {}, s.spanCount), ' spans'),
          h('span', {}, h('b', {}, s.services.length), ` service${s.services.length === 1 ? '' : 's'}`),
          h('span', {}, 'run ', runSeq(s.runId, s.seq)),
          s.release
            ? h(
                'span',
                { 'data-testid': 'trace-release', title: 'release (BAKEOFF_RELEASE)' },
                'release ',
                h('b', {}, s.release),
              )
            : null,
          h('span', { class: 'mono muted trace-id', title: 'trace id' }, traceId),
        ),
        h(
          'div',
          { class: 'chips' },
          s.services.map(serviceChip),
          h('span', { class: 'legend-chaos' }, h('i'), CHAOS_SPAN),
        ),
      ),
      h(
        'div',
        { class: 'trace-body' },
        h(
          'div',
          { class: 'card wf-card' },
          waterfall(trace.spans, {
            selectedId: sel?.spanId,
            onSelect: (span) => {
              selectedSpan = key(span.spanId);
              draw(span);
            },
          }),
        ),
        spanPanel(sel, s.startMs),
      ),
      h(
        'div',
        { class: 'two-col' },
        h(
          'div',
          { class: 'card', 'data-testid': 'trace-errors' },
          h('h2', {}, 'Errors', h('span', { class: 'count' }, errors.length)),
          errorList(errors),
        ),
        h(
          'div',
          { class: 'card', 'data-testid': 'trace-logs' },
          h('h2', {}, 'Logs', h('span', { class: 'count' }, logs.length)),
          logList(logs),
        ),
      ),
    );
  };
  draw(selected);
  return page;
}

// ---- Errors ---------------------------------------------------------------------------------------------

async function renderErrors() {
  const q = query();
  const vendor = q.get('vendor') || '';
  const run = q.get('run') || '';
  const params = new URLSearchParams({ limit: '300' });
  if (vendor) params.set('vendor', vendor);
  if (run) params.set('run', run);
  const base = '#/errors';
  const [records, runPicker] = await Promise.all([
    api(`/api/errors?${params}`),
    runSelect(run, (value) => setQuery(base, { vendor, run: value })),
  ]);
  const traceLink = (r) =>
    r.traceId
      ? h(
          'a',
          { class: 'mono small', href: traceHref(r.vendor, r.traceId), 'data-testid': 'trace-link' },
          `${r.traceId.slice(0, 16)}…`,
        )
      : h('span', { class: 'muted' }, '–');
  const errorRow = (e) =>
    h(
      'tr',
      { 'data-testid': 'error-row', 'data-vendor': e.vendor },
      h('td', { class: 'muted nowrap' }, fmtTime(e.timestamp)),
      h('td', {}, vendorPill(e.vendor)),
      h(
        'td',
        {},
        h('strong', {}, e.type),
        h('div', { class: 'mono msg' }, e.message),
        nativeRecords(e),
        errorDetails(e, false),
      ),
      h('td', {}, runSeq(e.runId, e.seq)),
      h('td', {}, traceLink(e)),
    );
  const heads = ['Time', 'Vendor', 'Error', 'Run · seq', 'Trace'];
  return h(
    'section',
    { class: 'page', 'data-testid': 'errors-view' },
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Errors'),
      h(
        'div',
        { class: 'toolbar' },
        h(
          'label',
          { class: 'field' },
          'Vendor',
          vendorSelect(vendor, (value) => setQuery(base, { vendor: value, run })),
        ),
        h('label', { class: 'field' }, 'Run', runPicker.select),
      ),
    ),
    h(
      'div',
      { class: 'card' },
      records.length
        ? h(
            'table',
            { class: 'table' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                heads.map((c) => h('th', {}, c)),
              ),
            ),
            h('tbody', {}, records.map(errorRow)),
          )
        : emptyState('No errors received', 'They appear here as soon as a vendor SDK sends one.'),
    ),
  );
}

// ---- page frame -------------------------------------------------------------------------------------------

/** `#/<view>?k=v…`, leaving out empty values. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- called by sandbox/ui/views/*.js
function viewHref(view, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `#/${view}?${s}` : `#/${view}`;
}

/**
 * A view's page: a head (title, one muted subtitle line, controls on the right) above the body. `sub` is the
 * subtitle's content (text, node or array of them); `subAttrs` adds attributes to it (e.g. a data-testid).
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- called by sandbox/ui/views/*.js
function viewPage(testid, { title, sub, subAttrs, tools }, ...body) {
  return h(
    'section',
    { class: 'page', 'data-testid': testid },
    h(
      'div',
      { class: 'page-head' },
      h('div', {}, h('h1', {}, title), h('p', { class: 'muted sub', ...subAttrs }, sub)),
      tools,
    ),
    ...body,
  );
}

// ---- router and live updates -----------------------------------------------------------------------------

// Views that live in their own file (sandbox/ui/views/*.js, classic scripts loaded after this one) register
// here: `registerView('search', { nav: 'search', render: (parts) => renderSearch() })`. The first path
// segment of the hash picks the view; `parts` are the decoded segments after it.
const VIEWS = {};
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- called by sandbox/ui/views/*.js
function registerView(name, { nav, render }) {
  VIEWS[name] = { nav, render };
}

function route() {
  const path = location.hash.replace(/^#/, '').split('?')[0] || '/';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case undefined:
    case 'traces':
      return { nav: 'traces', render: renderTraces };
    case 'trace':
      return { nav: 'traces', render: () => renderTrace(parts[1], parts.slice(2).join('/')) };
    case 'errors':
      return { nav: 'errors', render: renderErrors };
    default:
      if (Object.hasOwn(VIEWS, parts[0])) {
        const v = VIEWS[parts[0]];
        return { nav: v.nav, render: () => v.render(parts.slice(1)) };
      }
      return {
        nav: '',
        render: async () => emptyState('Unknown page', h('a', { href: '#/' }, 'Back to traces')),
      };
  }
}

let renderToken = 0;
async function render() {
  const token = ++renderToken;
  const r = route();
  for (const a of document.querySelectorAll('[data-nav]'))
    a.classList.toggle('active', a.dataset.nav === r.nav);
  try {
    const el = await r.render();
    if (token !== renderToken || !el) return; // a newer navigation won
    const scroll = window.scrollY;
    view.replaceChildren(el);
    window.scrollTo(0, scroll);
    view.dataset.ready = 'true';
  } catch (err) {
    if (token !== renderToken) return;
    view.replaceChildren(emptyState('Could not load this view', err.message));
  }
}

let refreshTimer = null;
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(liveRender, 600);
}
/** A live refresh waits while the user types in a filter field: re-rendering would wipe what they typed. */
function liveRender() {
  const typing = document.activeElement && document.activeElement.matches('#view input, #view textarea');
  if (typing) scheduleRefresh();
  else render();
}

function connectLive() {
  const live = document.querySelector('.live');
  const label = live.querySelector('span');
  const events = new EventSource('/api/events');
  events.onopen = () => {
    live.classList.add('on');
    label.textContent = 'live';
  };
  events.onerror = () => {
    live.classList.remove('on');
    label.textContent = 'reconnecting';
  };
  events.onmessage = () => scheduleRefresh();
}

async function loadVendors() {
  try {
    for (const { vendor, label } of await api('/api/vendor-manifest')) VENDORS[vendor] = { label };
  } catch {
    // An older sandbox without the route: names stand in for labels.
    for (const vendor of Object.keys(VENDOR_COLORS)) VENDORS[vendor] = { label: vendor };
  }
}

window.addEventListener('hashchange', () => {
  view.dataset.ready = 'false';
  render();
});
// After every script of the page has run, so views in their own files have registered.
window.addEventListener('DOMContentLoaded', () => {
  void loadVendors().then(render);
  connectLive();
});
