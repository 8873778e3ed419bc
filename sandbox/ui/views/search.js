// Trace search (issue 14): every vendor's traces filtered by vendor, service, name, errors, duration,
// attribute = value, run and injected chaos, sorted by time or duration, paged with the API's cursor. The URL
// holds the whole state, e.g. #/search?vendor=xray&attr=app.user_handle%3Dada&errors=1, so a screenshot can be
// reproduced. Query logic is server-side (sandbox/views/search.ts); this only draws it.
/* global h, fmtNum, fmtTime, vendorPill, vendorSelect, runSeq, traceHref, query, traceRow, durationCell, emptyState,
   serviceChip, registerView, chaosBadge, viewPage, viewHref, filterInput, formParams, applySelectsAtOnce,
   loadListPage, listProblem, listPaging */
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

/** The form's values as a URL; the cursor is dropped, so a new search starts at the first page. */
function searchHrefOf(form) {
  const params = formParams(form, SEARCH_FIELDS);
  if (params.sort === 'time') delete params.sort;
  return viewHref('search', params);
}

const textInput = (name, value, options) => filterInput('search', name, value, options);

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
        location.hash = searchHrefOf(e.target);
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
  applySelectsAtOnce(form, searchHrefOf);
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
  return traceRow(
    t,
    'search-row',
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
    durationCell(t.durationMs, maxDuration),
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
  const { shown, page, problem, state } = await loadListPage(q, SEARCH_FIELDS, '/api/search/traces', 100);
  const form = searchForm(q, shown.select);
  const paging = page
    ? listPaging('search', {
        q,
        state,
        page,
        total: `${fmtNum(page.total)} trace${page.total === 1 ? '' : 's'} match`,
        first: '⇤ First page',
        next: 'Next page →',
      })
    : null;
  let body;
  if (problem) body = listProblem('search', 'This search cannot run: ', problem);
  else if (!page.traces.length)
    body = emptyState(
      'No traces match',
      'Loosen a filter, or send traffic: `npx bakeoff serve --demo` fills the sandbox within a minute.',
    );
  else body = h('div', { class: 'card flush' }, resultTable(page.traces));
  return viewPage(
    'search-view',
    {
      title: 'Trace search',
      sub: [
        'Every vendor’s traces. Attribute names as any console spells them: ',
        h('code', {}, 'app.user_handle'),
        ', X-Ray’s ',
        h('code', {}, 'annotation.app_user_handle'),
        ', Datadog’s ',
        h('code', {}, '@app.user_handle'),
        '.',
      ],
      tools: paging,
    },
    form,
    body,
  );
}

registerView('search', { nav: 'search', render: () => renderSearch() });
