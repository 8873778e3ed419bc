// Grouped errors (issue 14), as Sentry issues and Rollbar items: every vendor's error occurrences grouped by
// vendor + type + message fingerprint, with occurrences, first/last seen and affected routes; a group's page shows
// the stack (innermost first), the native fields the vendor keeps and the request's trace in every vendor that
// has it. Grouping is server-side (sandbox/views/error-groups.ts). State in the URL: #/issues?vendor=sentry&run=demo
// and #/issues/<group id>?run=demo (no run: the latest run; run=*: every run).
/* global h, api, fmtNum, fmtTime, vendorPill, traceHref, runSeq, kvTable, errorDetails, query,
   emptyState, registerView, viewRun, viewHref, analysisToolbar, viewPage */
'use strict';

const fmtWhen = (ms) => (ms ? `${new Date(ms).toLocaleDateString()} ${fmtTime(ms)}` : '–');
const issueHref = (id, run) => viewHref(`issues/${encodeURIComponent(id)}`, { run });

function routeChips(routes, max = 3) {
  return h(
    'div',
    { class: 'chips' },
    routes
      .slice(0, max)
      .map((r) => h('span', { class: 'route-chip mono', title: `${r.count} occurrences` }, r.route)),
    routes.length > max ? h('span', { class: 'muted small' }, `+${routes.length - max}`) : null,
    routes.length ? null : h('span', { class: 'muted small' }, 'no route recorded'),
  );
}

async function renderIssues(parts) {
  if (parts[0]) return renderIssue(parts[0]);
  const q = query();
  const vendor = q.get('vendor') || '';
  const picked = await viewRun(q, (run) => (location.hash = viewHref('issues', { vendor, run })));
  const params = new URLSearchParams();
  if (vendor) params.set('vendor', vendor);
  if (picked.run) params.set('run', picked.run);
  const groups = await api(`/api/error-groups?${params}`);
  const table = h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table issues', 'data-testid': 'issue-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Vendor', 'Error', 'Occurrences', 'First seen', 'Last seen', 'Routes'].map((c) =>
            h('th', { class: c === 'Occurrences' ? 'num' : null }, c),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        groups.map((g) =>
          h(
            'tr',
            { 'data-testid': 'issue-row', 'data-vendor': g.vendor, 'data-group': g.id },
            h('td', {}, vendorPill(g.vendor)),
            h(
              'td',
              { class: 'issue-title' },
              h('a', { href: issueHref(g.id, picked.param) }, h('strong', {}, g.type)),
              h('div', { class: 'mono msg', title: g.message }, g.fingerprint || '(no message)'),
            ),
            h(
              'td',
              { class: 'num' },
              h('b', {}, fmtNum(g.occurrences)),
              g.records > g.occurrences
                ? h(
                    'div',
                    { class: 'muted small', title: 'native records the vendor sent for these occurrences' },
                    `${fmtNum(g.records)} records`,
                  )
                : null,
            ),
            h('td', { class: 'muted nowrap' }, fmtTime(g.firstSeen)),
            h('td', { class: 'muted nowrap' }, fmtTime(g.lastSeen)),
            h('td', {}, routeChips(g.routes)),
          ),
        ),
      ),
    ),
  );
  return viewPage(
    'issues-view',
    {
      title: 'Issues',
      sub: `Errors grouped by vendor, type and message fingerprint${picked.run ? `, run ${picked.run}` : ''}.`,
      tools: analysisToolbar('issues', vendor, picked),
    },
    h(
      'div',
      { class: 'card flush' },
      groups.length
        ? table
        : emptyState('No errors', 'Error groups appear here as soon as a vendor SDK sends an error.'),
    ),
  );
}

function stackFrames(frames) {
  if (!frames.length)
    return h('p', { class: 'muted small' }, 'No stack: this vendor keeps the error without frames.');
  return h(
    'ol',
    { class: 'stack mono', 'data-testid': 'issue-stack' },
    frames.map((f, i) =>
      h(
        'li',
        { class: i === 0 ? 'innermost' : null, 'data-testid': 'stack-frame' },
        h('span', { class: 'fn' }, f.function || '?'),
        h('span', { class: 'muted' }, ` ${f.file || '?'}:${f.line ?? '?'}${f.column ? `:${f.column}` : ''}`),
      ),
    ),
  );
}

function nativeBags(native) {
  const entries = Object.entries(native || {}).filter(([, bag]) => bag && Object.keys(bag).length);
  if (!entries.length)
    return h('p', { class: 'muted small' }, 'The vendor kept no native fields beyond the error.');
  return entries.map(([name, bag]) =>
    h(
      'details',
      {
        class: 'bag',
        'data-testid': 'issue-native',
        'data-bag': name,
        open: name === 'tags' || name === 'custom',
      },
      h('summary', {}, name, h('span', { class: 'count' }, Object.keys(bag).length)),
      kvTable(bag),
    ),
  );
}

function linkedTraces(traces) {
  if (!traces.length)
    return h(
      'p',
      { class: 'muted small' },
      'No vendor holds a trace of this request (error-only or log-only data).',
    );
  return h(
    'ul',
    { class: 'linked-traces', 'data-testid': 'issue-traces' },
    traces.map((t) =>
      h(
        'li',
        { 'data-testid': 'issue-trace', 'data-vendor': t.vendor },
        vendorPill(t.vendor),
        h('a', { class: 'mono', href: traceHref(t.vendor, t.traceId) }, t.rootName || t.traceId),
        h(
          'span',
          { class: 'muted small' },
          t.via === 'occurrence' ? ' the error’s own trace' : ' same request (run · seq)',
        ),
      ),
    ),
  );
}

async function renderIssue(id) {
  const q = query();
  const run = q.get('run') && q.get('run') !== '*' ? q.get('run') : '';
  const back = h('a', { class: 'back', href: viewHref('issues', { run: q.get('run') }) }, '← Issues');
  let d;
  try {
    d = await api(
      `/api/error-groups/${encodeURIComponent(id)}${run ? `?run=${encodeURIComponent(run)}` : ''}`,
    );
  } catch (err) {
    return h(
      'section',
      { class: 'page', 'data-testid': 'issue-view' },
      back,
      emptyState('Issue not found', err.message),
    );
  }
  const g = d.group;
  const latest = d.latest;
  return h(
    'section',
    { class: 'page', 'data-testid': 'issue-view', 'data-group': g.id },
    back,
    h(
      'div',
      { class: 'trace-head' },
      h('div', {}, vendorPill(g.vendor), h('span', { class: 'badge error' }, latest.level)),
      h('h1', {}, g.type),
      h('p', { class: 'mono msg', 'data-testid': 'issue-message' }, latest.message),
      h(
        'div',
        { class: 'facts' },
        h('span', {}, h('b', {}, fmtNum(g.occurrences)), ' occurrences'),
        g.records > g.occurrences ? h('span', {}, h('b', {}, fmtNum(g.records)), ' native records') : null,
        h('span', {}, 'first seen ', h('b', {}, fmtWhen(g.firstSeen))),
        h('span', {}, 'last seen ', h('b', {}, fmtWhen(g.lastSeen))),
      ),
      routeChips(g.routes, 8),
    ),
    h(
      'div',
      { class: 'issue-body' },
      h(
        'div',
        { class: 'card' },
        h('h2', {}, 'Stack', h('span', { class: 'muted small' }, ' innermost first')),
        stackFrames(latest.frames),
        latest.causes.length
          ? h(
              'section',
              { class: 'bag', 'data-testid': 'issue-causes' },
              h('h3', {}, 'caused by'),
              h(
                'ol',
                { class: 'mono small' },
                latest.causes.map((c) => h('li', {}, c)),
              ),
            )
          : null,
        errorDetails(latest, true),
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', {}, 'Trace in every vendor'),
        linkedTraces(d.traces),
        h('h2', {}, 'Native fields'),
        nativeBags(latest.native),
      ),
    ),
    h(
      'div',
      { class: 'card flush' },
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'table compact', 'data-testid': 'issue-occurrences' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Time', 'Route', 'Run · seq', 'Trace', 'Records'].map((c) => h('th', {}, c)),
            ),
          ),
          h(
            'tbody',
            {},
            d.occurrences.map((o) =>
              h(
                'tr',
                { 'data-testid': 'issue-occurrence' },
                h('td', { class: 'muted nowrap' }, fmtTime(o.timestamp)),
                h('td', { class: 'mono' }, o.route || '–'),
                h('td', {}, runSeq(o.runId, o.seq)),
                h(
                  'td',
                  {},
                  o.traceId
                    ? h(
                        'a',
                        { class: 'mono small', href: traceHref(g.vendor, o.traceId) },
                        `${o.traceId.slice(0, 16)}…`,
                      )
                    : h('span', { class: 'muted' }, '–'),
                ),
                h('td', { class: 'num' }, fmtNum(o.recordCount)),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

registerView('issues', { nav: 'issues', render: renderIssues });
