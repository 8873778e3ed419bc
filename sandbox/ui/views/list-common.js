// Shared by the two filterable list views, trace search (search.js) and logs (logs.js): the URL holds the
// filters, the form writes them back to it, and the API answers one page at a time with a cursor. Plain
// browser JavaScript; loaded after app.js and before those views.
/* global h, api, viewRun, viewHref */
/* exported filterInput, formParams, applySelectsAtOnce, loadListPage, listProblem, listPaging */
'use strict';

/** A labelled text (or number) field of a filter form; its test id is `<view>-<name>`. */
function filterInput(view, name, value, { label, placeholder, width, type = 'text' }) {
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
      'data-testid': `${view}-${name}`,
      min: type === 'number' ? '0' : null,
      step: type === 'number' ? 'any' : null,
    }),
  );
}

/** The form's non-empty `fields`, trimmed, as URL parameters. */
function formParams(form, fields) {
  const data = new FormData(form);
  const params = {};
  for (const field of fields) {
    const v = data.get(field);
    if (typeof v === 'string' && v.trim() !== '') params[field] = v.trim();
  }
  return params;
}

/** A select applies at once; text fields wait for Enter or the submit button. */
function applySelectsAtOnce(form, hrefOf) {
  for (const select of form.querySelectorAll('select')) {
    select.addEventListener('change', () => (location.hash = hrefOf(form)));
  }
}

/**
 * Reads the URL's `fields` (and `cursor`) and fetches one page from `path`. Returns the run picker (`shown`),
 * the query sent (`params`), the page or the API's complaint (`problem`), and the filters without the cursor
 * (`state`) for the paging links.
 */
async function loadListPage(q, fields, path, limit) {
  const params = new URLSearchParams();
  // A URL without `run` shows the latest run, as the other views do; `run=*` shows every run.
  const shown = await viewRun(q, () => {});
  // "All runs" must survive the form's submit as `*`: an empty value would mean "the latest run" again.
  shown.select.querySelector('option[value=""]').value = '*';
  for (const field of [...fields, 'cursor']) {
    if (field === 'run') {
      if (shown.run) params.set('run', shown.run);
    } else if (q.get(field)) params.set(field, q.get(field));
  }
  params.set('limit', String(limit));
  let page = null;
  let problem = null;
  try {
    page = await api(`${path}?${params}`);
  } catch (err) {
    problem = err.message;
  }
  const state = {};
  for (const field of fields) if (q.get(field)) state[field] = q.get(field);
  return { shown, params, page, problem, state };
}

/** Why the filters were refused (the API's 400 message), in place of the results. */
function listProblem(view, lead, problem) {
  return h(
    'div',
    { class: 'notice error', role: 'alert', 'data-testid': `${view}-error` },
    h('strong', {}, lead),
    problem,
  );
}

/** The match count and the links back to the first page and on to the next one. */
function listPaging(view, { q, state, page, total, first, next }) {
  return h(
    'div',
    { class: 'paging', 'data-testid': `${view}-paging` },
    h('span', { class: 'muted', 'data-testid': `${view}-total` }, total),
    q.get('cursor') ? h('a', { class: 'button', href: viewHref(view, state) }, first) : null,
    page.nextCursor
      ? h(
          'a',
          {
            class: 'button',
            href: viewHref(view, { ...state, cursor: page.nextCursor }),
            'data-testid': `${view}-next`,
          },
          next,
        )
      : null,
  );
}
