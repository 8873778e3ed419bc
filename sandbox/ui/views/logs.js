// Logs (issue 14): every vendor's log lines filtered by vendor, level, field = value, text, run and trace id.
// Each trace id a line carries (trace_id, xray_trace_id, dd.trace_id, sentry_trace_id) links to that trace in
// every vendor holding it. The URL holds the state, e.g. #/logs?level=error&field=user.handle%3Dada.
// Query logic is server-side (sandbox/views/log-search.ts).
/* global h, fmtNum, fmtTime, vendorPill, vendorSelect, vendorLabel, runSeq, traceHref, query, emptyState,
   registerView, viewHref, filterInput, formParams, applySelectsAtOnce, loadListPage, listProblem, listPaging */
'use strict';

const LOG_FIELDS = ['vendor', 'level', 'field', 'text', 'trace', 'run'];

const logsHrefOf = (form) => viewHref('logs', formParams(form, LOG_FIELDS));

function logForm(q, run) {
  const vendor = vendorSelect(q.get('vendor') || '', () => {});
  vendor.name = 'vendor';
  run.name = 'run';
  const level = q.get('level') || '';
  const levels = [
    ['', 'Any'],
    ['warn,error,fatal', 'Warn and above'],
    ['error,fatal', 'Error and above'],
    ['info', 'Info'],
    ['debug,trace', 'Debug'],
  ];
  if (!levels.some(([v]) => v === level)) levels.push([level, level]);
  const form = h(
    'form',
    {
      class: 'search-form card',
      'data-testid': 'logs-form',
      onsubmit: (e) => {
        e.preventDefault();
        location.hash = logsHrefOf(e.target);
      },
    },
    h('label', { class: 'field' }, 'Vendor', vendor),
    h(
      'label',
      { class: 'field' },
      'Level',
      h(
        'select',
        { class: 'select narrow', name: 'level', 'data-testid': 'logs-level' },
        levels.map(([v, text]) => h('option', { value: v, selected: v === level }, text)),
      ),
    ),
    filterInput('logs', 'field', q.get('field'), {
      label: 'Field = value',
      placeholder: 'user.handle = ada',
      width: '180px',
    }),
    filterInput('logs', 'text', q.get('text'), {
      label: 'Text',
      placeholder: 'in the message',
      width: '180px',
    }),
    filterInput('logs', 'trace', q.get('trace'), {
      label: 'Trace id',
      placeholder: 'any vendor’s',
      width: '200px',
    }),
    h('label', { class: 'field' }, 'Run', run),
    h(
      'div',
      { class: 'form-actions' },
      h('button', { class: 'button primary', type: 'submit', 'data-testid': 'logs-submit' }, 'Filter'),
      h('a', { class: 'button', href: '#/logs' }, 'Clear'),
    ),
  );
  applySelectsAtOnce(form, logsHrefOf);
  return form;
}

/** Each trace id on the line, with a link per vendor that holds that trace. */
function traceLinksOf(line) {
  if (!line.traceLinks.length) return h('span', { class: 'muted' }, '–');
  return h(
    'div',
    { class: 'trace-links-list' },
    line.traceLinks.map((t) =>
      h(
        'div',
        { class: 'trace-links', 'data-testid': 'log-trace-links', 'data-key': t.key },
        h('span', { class: 'key', title: t.id }, t.key),
        t.vendors.length
          ? t.vendors.map((v) =>
              h(
                'a',
                {
                  href: traceHref(v, t.id),
                  'data-testid': 'log-trace-link',
                  'data-vendor': v,
                  title: `Open ${t.id} in ${vendorLabel(v)}`,
                },
                `${vendorLabel(v)} →`,
              ),
            )
          : h('span', { class: 'muted small', title: t.id }, 'not held'),
      ),
    ),
  );
}

function logLine(l) {
  return h(
    'tr',
    { 'data-testid': 'log-row', 'data-vendor': l.vendor },
    h('td', { class: 'muted nowrap' }, fmtTime(l.timestamp)),
    h('td', {}, vendorPill(l.vendor)),
    h('td', {}, h('span', { class: `level level-${String(l.level).toLowerCase()}` }, l.level)),
    h(
      'td',
      { class: 'mono msg' },
      l.message,
      l.group ? h('div', { class: 'muted small' }, `${l.group}${l.stream ? ` / ${l.stream}` : ''}`) : null,
    ),
    h('td', {}, runSeq(l.runId, l.seq)),
    h('td', {}, traceLinksOf(l)),
  );
}

async function renderLogs() {
  const q = query();
  const { shown, params, page, problem, state } = await loadListPage(q, LOG_FIELDS, '/api/search/logs', 300);
  const form = logForm(q, shown.select);
  let body;
  if (problem) body = listProblem('logs', 'These filters cannot run: ', problem);
  else if (!page.logs.length)
    body = emptyState(
      params.size > 1 ? 'No log lines match' : 'No logs received',
      'CloudWatch, Rollbar messages, Sentry and OTLP logs appear here as soon as an SDK sends one.',
    );
  else
    body = h(
      'div',
      { class: 'card flush' },
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'table', 'data-testid': 'logs-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Time', 'Vendor', 'Level', 'Message', 'Run · seq', 'Trace'].map((c) => h('th', {}, c)),
            ),
          ),
          h('tbody', {}, page.logs.map(logLine)),
        ),
      ),
    );
  return h(
    'section',
    { class: 'page', 'data-testid': 'logs-view' },
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Logs'),
      page
        ? listPaging('logs', {
            q,
            state,
            page,
            total: `${fmtNum(page.total)} lines`,
            first: '⇤ Newest',
            next: 'Older →',
          })
        : null,
    ),
    form,
    body,
  );
}

registerView('logs', { nav: 'logs', render: () => renderLogs() });
