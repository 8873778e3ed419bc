// Trace search (issue 14): every vendor's traces filtered by vendor, service, name, errors, duration,
// attribute = value, run and injected chaos, sorted by time or duration, paged with the API's cursor. The URL
// holds the whole state, e.g. #/search?vendor=xray&attr=app.user_handle%3Dada&errors=1, so a screenshot can be
// reproduced. Query logic is server-side (sandbox/views/search.ts); this only draws it.
/* global h, api, fmtMs, fmtNum, fmtTime, vendorPill, vendorSelect, viewRun, runSeq, traceHref, query,
   emptyState, serviceChip, registerView, chaosBadge */
'use strict';

/** The filters the URL and the API share, in the order the form shows them. */
const SEARCH_FIELDS = [
  'vendor',
  'service',
  'name',
  'attr',
  'minMs',
  'maxMs',
  'errors',
  'chaos',
  'run',
  'sort',
];

function searchHref(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `#/search?${s}` : '#/search';
}

/** The form's values as URL parameters; the cursor is dropped, so a new search starts at the first page. */
function searchParamsOf(form) {
  const data = new FormData(form);
  const params = {};
  for (const field of SEARCH_FIELDS) {
    const v = data.get(field);
    if (typeof v === 'string' && v.trim() !== '') params[field] = v.trim();
  }
  if (params.sort === 'time') delete params.sort;
  return params;
}

function textInput(name, value, { label, placeholder, width, type = 'text' }) {
  return h(
    'label',
    { class: 'field' },
    label,
    h('input', {
      class: 'input',
      type,
      name,
      value: value || '',
      placeholder,
      style: { width },
      'data-testid': `search-${name}`,
      min: type === 'number' ? '0' : null,
      step: type === 'number' ? 'any' : null,
    }),
  );
}

function choice(name, value, label, options) {
  return h(
    'label',
    { class: 'field' },
    label,
    h(
      'select',
      { class: 'select narrow', name, 'data-testid': `search-${name}` },
      options.map(([v, text]) => h('option', { value: v, selected: v === (value || '') }, text)),
    ),
  );
}

function searchForm(q, run) {
  const vendor = vendorSelect(q.get('vendor') || '', () => {});
  vendor.name = 'vendor';
  run.name = 'run';
  const form = h(
    'form',
    {
      class: 'search-form card',
      'data-testid': 'search-form',
      onsubmit: (e) => {
        e.preventDefault();
        location.hash = searchHref(searchParamsOf(e.target));
      },
    },
    h('label', { class: 'field' }, 'Vendor', vendor),
    textInput('service', q.get('service'), { label: 'Service', placeholder: 'activities', width: '120px' }),
    textInput('name', q.get('name'), {
      label: 'Span / route name',
      placeholder: 'POST /api/activities',
      width: '190px',
    }),
    textInput('attr', q.get('attr'), {
      label: 'Attribute = value',
      placeholder: 'app.user_handle = ada',
      width: '200px',
    }),
    textInput('minMs', q.get('minMs'), { label: 'Min ms', type: 'number', width: '84px' }),
    textInput('maxMs', q.get('maxMs'), { label: 'Max ms', type: 'number', width: '84px' }),
    choice('errors', q.get('errors'), 'Status', [
      ['', 'Any'],
      ['1', 'Errors only'],
    ]),
    choice('chaos', q.get('chaos'), 'Chaos', [
      ['', 'Any'],
      ['delay', 'Injected delay'],
      ['fault', 'Injected fault'],
      ['any', 'Delay or fault'],
    ]),
    h('label', { class: 'field' }, 'Run', run),
    choice('sort', q.get('sort'), 'Sort', [
      ['', 'Newest'],
      ['duration', 'Slowest'],
    ]),
    h(
      'div',
      { class: 'form-actions' },
      h('button', { class: 'button primary', type: 'submit', 'data-testid': 'search-submit' }, 'Search'),
      h('a', { class: 'button', href: '#/search' }, 'Clear'),
    ),
  );
  // A select applies at once; text fields wait for Enter or Search.
  for (const select of form.querySelectorAll('select')) {
    select.addEventListener('change', () => (location.hash = searchHref(searchParamsOf(form))));
  }
  return form;
}

function statusCell(t) {
  const code = t.httpStatus === null ? null : String(t.httpStatus);
  return h(
    'td',
    { class: 'nowrap' },
    code ? h('span', { class: `http-status${t.error || t.httpStatus >= 500 ? ' bad' : ''}` }, code) : null,
    t.error ? h('span', { class: 'badge error', 'data-testid': 'error-badge' }, 'error') : null,
    !code && !t.error ? h('span', { class: 'muted' }, 'ok') : null,
  );
}

function resultRow(t, maxDuration) {
  return h(
    'tr',
    {
      class: `clickable${t.error ? ' has-error' : ''}`,
      'data-testid': 'search-row',
      'data-vendor': t.vendor,
      'data-trace-id': t.traceId,
      onclick: (e) => {
        if (!e.target.closest('a')) location.hash = traceHref(t.vendor, t.traceId);
      },
    },
    h('td', {}, vendorPill(t.vendor)),
    h(
      'td',
      { class: 'root' },
      h(
        'a',
        { href: traceHref(t.vendor, t.traceId), class: 'mono', title: `root span: ${t.rootName}` },
        t.route || t.rootName || '(unnamed)',
      ),
      t.route !== t.rootName ? h('div', { class: 'muted small mono' }, t.rootName) : null,
    ),
    statusCell(t),
    h(
      'td',
      { class: 'num duration-cell' },
      h(
        'span',
        { class: 'mini-bar' },
        h('i', { style: { width: `${Math.max(2, (t.durationMs / maxDuration) * 100)}%` } }),
      ),
      fmtMs(t.durationMs),
    ),
    h('td', { class: 'num' }, fmtNum(t.spanCount)),
    h('td', {}, chaosBadge(t.chaos)),
    h('td', { class: 'services' }, h('div', { class: 'chips' }, t.services.map(serviceChip))),
    h('td', {}, runSeq(t.runId, t.seq)),
    h('td', { class: 'muted nowrap' }, fmtTime(t.startMs)),
  );
}

function resultTable(traces) {
  const maxDuration = Math.max(1, ...traces.map((t) => t.durationMs));
  const heads = [
    'Vendor',
    'Route',
    'Status',
    'Duration',
    'Spans',
    'Chaos',
    'Services',
    'Run · seq',
    'Started',
  ];
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table traces search-results', 'data-testid': 'search-results' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          heads.map((c) => h('th', { class: c === 'Spans' || c === 'Duration' ? 'num' : null }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        traces.map((t) => resultRow(t, maxDuration)),
      ),
    ),
  );
}

async function renderSearch() {
  const q = query();
  const params = new URLSearchParams();
  // A URL without `run` shows the latest run, as the other views do; `run=*` shows every run.
  const shown = await viewRun(q, () => {});
  // "All runs" must survive the form's submit as `*`: an empty value would mean "the latest run" again.
  shown.select.querySelector('option[value=""]').value = '*';
  for (const field of [...SEARCH_FIELDS, 'cursor']) {
    if (field === 'run') {
      if (shown.run) params.set('run', shown.run);
    } else if (q.get(field)) params.set(field, q.get(field));
  }
  params.set('limit', '100');
  const form = searchForm(q, shown.select);
  let page = null;
  let problem = null;
  try {
    page = await api(`/api/search/traces?${params}`);
  } catch (err) {
    problem = err.message;
  }
  const state = {};
  for (const field of SEARCH_FIELDS) if (q.get(field)) state[field] = q.get(field);
  const paging = page
    ? h(
        'div',
        { class: 'paging', 'data-testid': 'search-paging' },
        h(
          'span',
          { class: 'muted', 'data-testid': 'search-total' },
          `${fmtNum(page.total)} trace${page.total === 1 ? '' : 's'} match`,
        ),
        q.get('cursor') ? h('a', { class: 'button', href: searchHref(state) }, '⇤ First page') : null,
        page.nextCursor
          ? h(
              'a',
              {
                class: 'button',
                href: searchHref({ ...state, cursor: page.nextCursor }),
                'data-testid': 'search-next',
              },
              'Next page →',
            )
          : null,
      )
    : null;
  let body;
  if (problem)
    body = h(
      'div',
      { class: 'notice error', role: 'alert', 'data-testid': 'search-error' },
      h('strong', {}, 'This search cannot run: '),
      problem,
    );
  else if (!page.traces.length)
    body = emptyState(
      'No traces match',
      'Loosen a filter, or send traffic: `npx bakeoff serve --demo` fills the sandbox within a minute.',
    );
  else body = h('div', { class: 'card flush' }, resultTable(page.traces));
  return h(
    'section',
    { class: 'page', 'data-testid': 'search-view' },
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        {},
        h('h1', {}, 'Trace search'),
        h(
          'p',
          { class: 'muted sub' },
          'Every vendor’s traces. Attribute names as any console spells them: ',
          h('code', {}, 'app.user_handle'),
          ', X-Ray’s ',
          h('code', {}, 'annotation.app_user_handle'),
          ', Datadog’s ',
          h('code', {}, '@app.user_handle'),
          '.',
        ),
      ),
      paging,
    ),
    form,
    body,
  );
}

registerView('search', { nav: 'search', render: () => renderSearch() });
