// Chaos and load (issue 14): links to the services' own chaos page when their admin API is enabled (and says
// how to enable it when not), and starts a seeded `bakeoff load` run against them with a progress bar. The
// sandbox does the work (sandbox/views/load-control.ts); #/control?target=<services URL> holds the state.
/* global h, api, enc, fmtNum, query, registerView, viewPage */
'use strict';

const DEFAULT_TARGET = 'http://127.0.0.1:4567';
const POLL_MS = 700;

async function send(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(json.error || `${res.status} ${res.statusText}`);
  return json;
}

function servicesCard(status, target) {
  const form = h(
    'form',
    {
      class: 'search-form',
      onsubmit: (e) => {
        e.preventDefault();
        const value = new FormData(e.target).get('target');
        location.hash = `#/control?target=${enc(String(value).trim())}`;
      },
    },
    h(
      'label',
      { class: 'field' },
      'Activities service',
      h('input', {
        class: 'input',
        name: 'target',
        value: target,
        style: { width: '260px' },
        'data-testid': 'control-target',
      }),
    ),
    h('button', { class: 'button', type: 'submit' }, 'Check'),
  );
  let state;
  if (status.reachable && status.admin === 'enabled')
    state = h(
      'p',
      { 'data-testid': 'admin-state', 'data-admin': 'enabled' },
      'Admin API enabled. ',
      h(
        'a',
        {
          class: 'button',
          href: status.chaosPage,
          target: '_blank',
          rel: 'noopener',
          'data-testid': 'chaos-page-link',
        },
        'Open the chaos page →',
      ),
      h('span', { class: 'muted small' }, ' (it asks for the ADMIN_TOKEN the services started with)'),
    );
  else
    state = h(
      'div',
      {
        class: 'notice',
        role: 'status',
        'data-testid': 'admin-state',
        'data-admin': status.reachable ? status.admin : 'unreachable',
      },
      status.hint,
    );
  return h('div', { class: 'card control-card' }, h('h2', {}, 'Chaos'), form, state);
}

function loadForm(target, onStarted) {
  const problem = h('div', {
    class: 'notice error',
    role: 'alert',
    hidden: true,
    'data-testid': 'load-error',
  });
  const number = (name, value, label, width = '90px') =>
    h(
      'label',
      { class: 'field' },
      label,
      h('input', {
        class: 'input',
        type: 'number',
        min: name === 'seed' ? '0' : '1',
        name,
        value,
        style: { width },
        'data-testid': `load-${name}`,
      }),
    );
  const form = h(
    'form',
    {
      class: 'search-form',
      'data-testid': 'load-form',
      onsubmit: async (e) => {
        e.preventDefault();
        const data = new FormData(e.target);
        const body = { target };
        for (const k of ['requests', 'seed', 'concurrency', 'run']) if (data.get(k)) body[k] = data.get(k);
        problem.hidden = true;
        try {
          onStarted(await send('POST', '/api/control/load', body));
        } catch (err) {
          problem.hidden = false;
          problem.textContent = err.message;
        }
      },
    },
    number('requests', '100', 'Requests'),
    number('seed', '7', 'Seed'),
    number('concurrency', '4', 'Concurrency'),
    h(
      'label',
      { class: 'field' },
      'Run id',
      h('input', { class: 'input', name: 'run', placeholder: 'ui-<time>', style: { width: '180px' } }),
    ),
    h('button', { class: 'button primary', type: 'submit', 'data-testid': 'load-start' }, 'Start load'),
  );
  return { form, problem };
}

function progressPanel(state) {
  const fraction = state.requests ? Math.min(1, state.sent / state.requests) : 0;
  const run = state.run;
  return h(
    'div',
    { class: 'load-progress', 'data-testid': 'load-status', 'data-state': state.state },
    h('progress', {
      max: String(state.requests || 1),
      value: String(state.sent),
      'aria-label': 'requests sent',
      'data-testid': 'load-progress',
    }),
    h(
      'span',
      { 'data-testid': 'load-count' },
      `${fmtNum(state.sent)} / ${fmtNum(state.requests)} requests · ${Math.round(fraction * 100)}% · run ${run} · ${state.state}`,
    ),
    state.state === 'running'
      ? h(
          'button',
          {
            class: 'button',
            type: 'button',
            'data-testid': 'load-stop',
            onclick: () => void send('DELETE', '/api/control/load'),
          },
          'Stop',
        )
      : null,
    state.error ? h('div', { class: 'notice error' }, state.error) : null,
    state.state !== 'running'
      ? h(
          'div',
          { class: 'paging' },
          h(
            'a',
            { class: 'button', href: `#/compare/${enc(run)}`, 'data-testid': 'load-compare' },
            'Side by side →',
          ),
          h('a', { class: 'button', href: `#/search?run=${enc(run)}` }, 'Search this run →'),
        )
      : null,
  );
}

async function renderControl() {
  const target = query().get('target') || DEFAULT_TARGET;
  const [status, load] = await Promise.all([
    api(`/api/control/services?target=${enc(target)}`),
    api('/api/control/load'),
  ]);
  const slot = h('div', { class: 'load-slot' });
  const show = (state) => {
    slot.replaceChildren(state.run ? progressPanel(state) : h('p', { class: 'muted' }, 'No load run yet.'));
    if (state.state === 'running') setTimeout(poll, POLL_MS);
  };
  const poll = async () => {
    if (!document.body.contains(slot)) return; // the user left this view
    try {
      show(await api('/api/control/load'));
    } catch {
      setTimeout(poll, POLL_MS * 3);
    }
  };
  const { form, problem } = loadForm(status.target, show);
  show(load);
  return viewPage(
    'control-view',
    {
      title: 'Chaos & load',
      sub: 'Drive a running pair of services from here; every vendor sees the same seeded traffic.',
    },
    servicesCard(status, status.target),
    h(
      'div',
      { class: 'card control-card' },
      h('h2', {}, 'Seeded load'),
      status.reachable
        ? null
        : h(
            'p',
            { class: 'muted small' },
            `Nothing answers at ${status.target} yet: a run would fail every request.`,
          ),
      form,
      problem,
      slot,
    ),
  );
}

registerView('control', { nav: 'control', render: () => renderControl() });
