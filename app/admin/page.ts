/** The `/admin` page: switch scenarios, seed and the downstream auth failure. Static; it holds no data. */
export const ADMIN_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>bakeoff admin — chaos</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #1d2433; }
  h1 { font-size: 1.4rem; } label { display: block; margin: .8rem 0 .2rem; font-weight: 600; }
  input, select, button { font: inherit; padding: .35rem .5rem; }
  button { background: #2d5be3; color: #fff; border: 0; border-radius: 4px; padding: .45rem 1rem; cursor: pointer; }
  pre { background: #f3f5f9; padding: 1rem; overflow: auto; border-radius: 4px; }
  .row { display: flex; gap: .5rem; align-items: center; } #status { margin-left: 1rem; }
</style>
</head>
<body>
<h1>bakeoff — chaos control</h1>
<label for="token">Admin token</label>
<input id="token" type="password" autocomplete="off" size="40">
<button id="load" type="button">Load</button>
<label for="scenario">Scenario</label>
<select id="scenario"></select>
<label for="seed">Seed</label>
<input id="seed" type="number" step="1">
<label><input id="authfail" type="checkbox"> Users service rejects our token (downstream 401 → 500)</label>
<div class="row"><button id="apply" type="button">Apply</button><span id="status"></span></div>
<pre id="state"></pre>
<script>
const $ = (id) => document.getElementById(id);
$('token').value = sessionStorage.getItem('bakeoff-admin') || '';
async function call(method, body) {
  sessionStorage.setItem('bakeoff-admin', $('token').value);
  const res = await fetch('/admin/chaos', { method, body: body && JSON.stringify(body),
    headers: { authorization: 'Bearer ' + $('token').value, 'content-type': 'application/json' } });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error || res.statusText);
  return json;
}
function show(state) {
  $('scenario').innerHTML = state.available.map((n) => '<option>' + n + '</option>').join('');
  $('scenario').value = state.scenario.name;
  $('seed').value = state.seed;
  $('authfail').checked = state.scenario.downstream.usersAuthFailureRate > 0;
  $('state').textContent = JSON.stringify(state.scenario, null, 2);
}
async function run(fn) { try { show(await fn()); $('status').textContent = 'ok'; } catch (e) { $('status').textContent = e.message; } }
$('load').onclick = () => run(() => call('GET'));
$('apply').onclick = () => run(async () => {
  await call('PUT', { scenario: $('scenario').value, seed: Number($('seed').value) });
  return call('PUT', { usersAuthFailureRate: $('authfail').checked ? 1 : 0 });
});
if ($('token').value) $('load').click();
</script>
</body>
</html>
`;
