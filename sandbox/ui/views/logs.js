// Logs (issue 14): every vendor's log lines filtered by vendor, level, field = value, text, run and trace id.
// Each trace id a line carries (trace_id, xray_trace_id, dd.trace_id, sentry_trace_id) links to that trace in
// every vendor holding it. The URL holds the state, e.g. #/logs?level=error&field=user.handle%3Dada.
// Query logic is server-side (sandbox/views/log-search.ts).
/* global h, api, fmtNum, fmtTime, vendorPill, vendorSelect, vendorLabel, viewRun, runSeq, traceHref, query,
   emptyState, registerView */
'use strict';

const LOG_FIELDS = ['vendor', 'level', 'field', 'text', 'trace', 'run'];

function logsHref(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `#/logs?${s}` : '#/logs';
}

function logParamsOf(form) {
  const data = new FormData(form);
  const params = {};
  for (const field of LOG_FIELDS) {
    const v = data.get(field);
    if (typeof v === 'string' && v.trim() !== '') params[field] = v.trim();
  }
  return params;
}

function logInput(name, value, label, placeholder, width) {
  return h(
    'label',
    { class: 'field' },
    label,
    h('input', {
      class: 'input',
      name,
      value: value || '',
      placeholder,
      style: { width },
      'data-testid': `logs-${name}`,
    }),
  );
}

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
        location.hash = logsHref(logParamsOf(e.target));
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
    logInput('field', q.get('field'), 'Field = value', 'user.handle = ada', '180px'),
    logInput('text', q.get('text'), 'Text', 'in the message', '180px'),
    logInput('trace', q.get('trace'), 'Trace id', 'any vendor’s', '200px'),
    h('label', { class: 'field' }, 'Run', run),
    h(
      'div',
      { class: 'form-actions' },
      h('button', { class: 'button primary', type: 'submit', 'data-testid': 'logs-submit' }, 'Filter'),
      h('a', { class: 'button', href: '#/logs' }, 'Clear'),
    ),
  );
  for (const select of form.querySelectorAll('select')) {
    select.addEventListener('change', () => (location.hash = logsHref(logParamsOf(form))));
  }
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
  const params = new URLSearchParams();
  // A URL without `run` shows the latest run, as the other views do; `run=*` shows every run.
  const shown = await viewRun(q, () => {});
  // "All runs" must survive the form's submit as `*`: an empty value would mean "the latest run" again.
  shown.select.querySelector('option[value=""]').value = '*';
  for (const field of [...LOG_FIELDS, 'cursor']) {
    if (field === 'run') {
      if (shown.run) params.set('run', shown.run);
    } else if (q.get(field)) params.set(field, q.get(field));
  }
  params.set('limit', '300');
  const form = logForm(q, shown.select);
  let page = null;
  let problem = null;
  try {
    page = await api(`/api/search/logs?${params}`);
  } catch (err) {
    problem = err.message;
  }
  const state = {};
  for (const field of LOG_FIELDS) if (q.get(field)) state[field] = q.get(field);
  let body;
  if (problem)
    body = h(
      'div',
      { class: 'notice error', role: 'alert', 'data-testid': 'logs-error' },
      h('strong', {}, 'These filters cannot run: '),
      problem,
    );
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
        ? h(
            'div',
            { class: 'paging' },
            h('span', { class: 'muted', 'data-testid': 'logs-total' }, `${fmtNum(page.total)} lines`),
            q.get('cursor') ? h('a', { class: 'button', href: logsHref(state) }, '⇤ Newest') : null,
            page.nextCursor
              ? h(
                  'a',
                  {
                    class: 'button',
                    href: logsHref({ ...state, cursor: page.nextCursor }),
                    'data-testid': 'logs-next',
                  },
                  'Older →',
                )
              : null,
          )
        : null,
    ),
    form,
    body,
  );
}

registerView('logs', { nav: 'logs', render: () => renderLogs() });
