// Queues (issue 15): the sandbox's SQS emulator as the app's async hop uses it — every queue with its visible,
// in-flight and delayed messages, waiting receives and redrive policy (#/queues), and one queue's messages with
// their attributes, AWSTraceHeader included (#/queues/<name>?state=inFlight). Queue changes are not store
// events, so the page refreshes itself every few seconds while it is shown; open messages stay open.
/* global h, api, enc, fmtNum, fmtTime, kvTable, emptyState, query, scheduleRefresh, registerView */
'use strict';

const QUEUES_REFRESH_MS = 2000;
const MESSAGE_STATES = [
  ['', 'All'],
  ['visible', 'Visible'],
  ['inFlight', 'In flight'],
  ['delayed', 'Delayed'],
];
const STATE_LABELS = Object.fromEntries(MESSAGE_STATES);
/** Message ids whose details the user opened: kept open across the periodic refresh. */
const openMessages = new Set();
let queuesTimer = null;

function refreshQueuesLater() {
  clearTimeout(queuesTimer);
  queuesTimer = setTimeout(() => {
    if (location.hash.startsWith('#/queues')) scheduleRefresh();
  }, QUEUES_REFRESH_MS);
}

const queueHref = (name, state) => `#/queues/${enc(name)}${state ? `?state=${enc(state)}` : ''}`;

/** "in 12 s" / "3 s ago" for a visibility deadline. */
function relative(ms) {
  const s = Math.round((ms - Date.now()) / 1000);
  if (Math.abs(s) < 1) return 'now';
  const span = Math.abs(s) < 120 ? `${Math.abs(s)} s` : `${Math.round(Math.abs(s) / 60)} min`;
  return s > 0 ? `in ${span}` : `${span} ago`;
}

function countCell(n, name, state) {
  return h(
    'td',
    { class: 'num' },
    n > 0 ? h('a', { href: queueHref(name, state) }, fmtNum(n)) : h('span', { class: 'muted' }, '0'),
  );
}

function redriveCell(q) {
  const parts = [];
  if (q.redrive)
    parts.push(
      h(
        'span',
        {},
        'after ',
        h('strong', {}, String(q.redrive.maxReceiveCount)),
        ' receives → ',
        h('a', { href: queueHref(q.redrive.deadLetterQueue) }, q.redrive.deadLetterQueue),
      ),
    );
  if (q.deadLetterFor.length)
    parts.push(
      h(
        'span',
        {},
        h('span', { class: 'badge dlq' }, 'DLQ'),
        ' for ',
        q.deadLetterFor.map((n, i) => [i ? ', ' : '', h('a', { href: queueHref(n) }, n)]),
      ),
    );
  return h('td', { class: 'queue-redrive' }, parts.length ? parts : h('span', { class: 'muted' }, '–'));
}

async function renderQueueList() {
  const queues = await api('/api/queues');
  refreshQueuesLater();
  const head = h(
    'div',
    { class: 'page-head' },
    h(
      'div',
      {},
      h('h1', {}, 'Queues'),
      h(
        'p',
        { class: 'sub muted' },
        'The SQS emulator on this port: point the SQS client’s endpoint at ',
        h('code', {}, location.origin),
        '.',
      ),
    ),
  );
  if (!queues.length)
    return h(
      'div',
      {},
      head,
      emptyState(
        'No queues yet',
        `new SQSClient({ endpoint: '${location.origin}', region: 'us-east-1' }) and CreateQueue; ` +
          'queues appear here with their messages.',
      ),
    );
  return h(
    'div',
    {},
    head,
    h(
      'div',
      { class: 'card' },
      h(
        'table',
        { class: 'table', 'data-testid': 'queue-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Queue'),
            h('th', { class: 'num' }, 'Visible'),
            h('th', { class: 'num' }, 'In flight'),
            h('th', { class: 'num' }, 'Delayed'),
            h('th', { class: 'num' }, 'Waiting receives'),
            h('th', { class: 'num' }, 'Visibility timeout'),
            h('th', {}, 'Redrive'),
          ),
        ),
        h(
          'tbody',
          {},
          queues.map((q) =>
            h(
              'tr',
              { 'data-queue': q.name },
              h('td', { class: 'root' }, h('a', { href: queueHref(q.name) }, q.name)),
              countCell(q.visible, q.name, 'visible'),
              countCell(q.inFlight, q.name, 'inFlight'),
              countCell(q.delayed, q.name, 'delayed'),
              h('td', { class: 'num' }, fmtNum(q.waitingReceives)),
              h('td', { class: 'num' }, `${q.attributes.VisibilityTimeout} s`),
              redriveCell(q),
            ),
          ),
        ),
      ),
    ),
  );
}

/** Epoch-millisecond system attributes shown with their clock time too. */
function withTimes(sys) {
  const out = { ...sys };
  for (const k of ['SentTimestamp', 'ApproximateFirstReceiveTimestamp'])
    if (out[k]) out[k] = `${out[k]} (${fmtTime(out[k])})`;
  return out;
}

function messageRow(m) {
  const sys = m.systemAttributes;
  const deadline =
    m.state === 'inFlight'
      ? `visible again ${relative(m.visibleAt)}`
      : m.state === 'delayed'
        ? `delivered ${relative(m.visibleAt)}`
        : '';
  const details = h(
    'details',
    {
      class: 'queue-message',
      open: openMessages.has(m.id),
      ontoggle: (e) => (e.target.open ? openMessages.add(m.id) : openMessages.delete(m.id)),
    },
    h('summary', {}, h('span', { class: 'queue-body-preview' }, m.body.slice(0, 160))),
    h(
      'h3',
      { class: 'small muted' },
      'Body',
      m.bodyTruncated ? ` (first 16 KiB of ${fmtNum(m.size)} bytes)` : '',
    ),
    h('pre', { class: 'queue-body' }, m.body),
    h('h3', { class: 'small muted' }, 'Message attributes'),
    kvTable(
      Object.fromEntries(Object.entries(m.attributes).map(([k, v]) => [`${k} (${v.dataType})`, v.value])),
      'message-attributes',
    ),
    h('h3', { class: 'small muted' }, 'System attributes'),
    kvTable(withTimes(sys), 'system-attributes'),
  );
  return h(
    'tr',
    { 'data-message': m.id, 'data-state': m.state },
    h(
      'td',
      { class: 'nowrap' },
      h('span', { class: `badge msg-state ${m.state}` }, STATE_LABELS[m.state]),
      deadline ? h('div', { class: 'small muted' }, deadline) : null,
    ),
    h('td', { class: 'mono small' }, m.id.slice(0, 8)),
    h('td', { class: 'nowrap small' }, fmtTime(sys.SentTimestamp)),
    h('td', { class: 'num' }, String(sys.ApproximateReceiveCount)),
    h(
      'td',
      { class: 'queue-trace' },
      sys.AWSTraceHeader
        ? h('code', { 'data-testid': 'trace-header' }, sys.AWSTraceHeader)
        : h('span', { class: 'muted' }, '–'),
    ),
    h('td', { class: 'queue-message-cell' }, details),
  );
}

async function renderQueue(name) {
  const state = query().get('state') || '';
  const q = await api(`/api/queues/${enc(name)}`);
  refreshQueuesLater();
  const messages = q.messageList.filter((m) => !state || m.state === state);
  const tabs = h(
    'div',
    { class: 'tabs' },
    MESSAGE_STATES.map(([value, label]) =>
      h(
        'a',
        {
          class: `tab${value === state ? ' active' : ''}`,
          href: queueHref(name, value),
          'data-testid': `state-${value || 'all'}`,
        },
        h('span', { class: 'tab-name' }, label),
        h('span', { class: 'tab-count' }, fmtNum(value ? q[value] : q.messages)),
      ),
    ),
  );
  return h(
    'div',
    {},
    h('a', { class: 'back', href: '#/queues' }, '← All queues'),
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        {},
        h('h1', { 'data-testid': 'queue-name' }, q.name),
        h('p', { class: 'sub muted mono small' }, q.arn),
      ),
      h(
        'div',
        { class: 'queue-facts' },
        q.waitingReceives ? h('span', {}, `${q.waitingReceives} receive(s) waiting`) : null,
        q.redrive
          ? h(
              'span',
              {},
              `dead letters after ${q.redrive.maxReceiveCount} receives → `,
              h('a', { href: queueHref(q.redrive.deadLetterQueue) }, q.redrive.deadLetterQueue),
            )
          : null,
        q.deadLetterFor.length
          ? h('span', {}, h('span', { class: 'badge dlq' }, 'DLQ'), ` for ${q.deadLetterFor.join(', ')}`)
          : null,
      ),
    ),
    h(
      'div',
      { class: 'queue-layout' },
      h(
        'div',
        { class: 'card queue-messages' },
        tabs,
        messages.length
          ? h(
              'table',
              { class: 'table', 'data-testid': 'message-table' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', {}, 'State'),
                  h('th', {}, 'Id'),
                  h('th', {}, 'Sent'),
                  h('th', { class: 'num' }, 'Receives'),
                  h('th', {}, 'AWSTraceHeader'),
                  h('th', {}, 'Body and attributes'),
                ),
              ),
              h('tbody', {}, messages.map(messageRow)),
            )
          : emptyState(state ? `No ${STATE_LABELS[state].toLowerCase()} messages` : 'The queue is empty'),
        q.shown < q.messages
          ? h('p', { class: 'small muted' }, `Newest ${q.shown} of ${fmtNum(q.messages)} shown.`)
          : null,
      ),
      h(
        'div',
        { class: 'card queue-attributes' },
        h('h2', {}, 'Attributes'),
        kvTable(q.attributes, 'queue-attributes'),
      ),
    ),
  );
}

registerView('queues', {
  nav: 'queues',
  render: (parts) => (parts[0] ? renderQueue(parts[0]) : renderQueueList()),
});
