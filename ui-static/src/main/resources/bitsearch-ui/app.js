// bitsearch page: the list of searches, one search's live view, launching, stopping and resuming.
import { api, ApiError, setToken, token } from './api.js';
import { el, num, pct, stateBadge } from './format.js';
import { curveChart, hypervolumeChart, paretoChart, updateCurves, updateHypervolume, updatePareto } from './charts.js';
import { renderCompare, renderHeatmap, renderImportance, renderLadder, renderParallel, renderStats, renderTrialTable } from './panels.js';
import { renderNodes } from './nodes.js';
import { showLogs } from './logs.js';

const $ = (id) => document.getElementById(id);

const state = {
  searchId: null, search: null, trials: [], pareto: null, reports: [], detail: null,
  selected: null, plotted: new Set(), plotChosen: false, sort: { key: 'number', dir: 'asc' },
  cmp: [null, null], charts: null, authRequired: false,
  hv: [], importance: null, stateFilter: '', metric: 'valAccuracy', hvAxis: 'trials', openLog: null,
};

const METRICS = { valAccuracy: 'validation accuracy', valLoss: 'validation loss', trainLoss: 'training loss' };

const EXAMPLE_SPEC = `# A search spec (README, "Search spec"). trainer.dataDir may be left out when the
# server was started with --data DIR. To try the page in seconds: trainer: {kind: simulated}
name: fashion-mlp-bits
seed: 42
trainer:
  kind: dl4j
  dataset: fashion-mnist
  trainSubset: 10000
space:
  params:
    learningRate: {type: logfloat, low: 0.0003, high: 0.01}
    batchSize: {type: categorical, choices: [64, 128]}
  bits: {allowed: [1, 2, 4, 8], nonIncreasing: true}
sampler: {type: nsga2}
pruner: {type: pareto-asha, minResource: 1, reductionFactor: 3}
budget: {maxTrials: 24, maxEpochs: 9, maxConcurrent: 2}
`;

// ---- list view ------------------------------------------------------------------------------------------------

async function loadList() {
  api.cluster().then((v) => renderNodes($('nodes'), v)).catch(() => {});
  const searches = await api.searches();
  $('no-searches').hidden = searches.length > 0;
  $('searches').tBodies[0].replaceChildren(...searches.map((s) => el('tr', {
    dataset: { searchId: s.id, state: s.state }, onclick: () => { location.hash = `#/search/${s.id}`; },
  },
  el('td', {}, s.id), el('td', {}, s.name), el('td', { class: 'state-cell' }, stateBadge(s.state)),
  el('td', {}, s.progress === undefined || s.progress === null ? '–'
    : el('span', { class: 'progress', title: `${Math.round(s.progress * 100)}%` }, el('div', { style: `width:${s.progress * 100}%` }))),
  el('td', {}, `${s.counts.completed + s.counts.pruned + s.counts.failed}/${s.maxTrials ?? s.counts.total}`),
  el('td', {}, pct(s.bestValAccuracy)), el('td', {}, num(s.hypervolume, 4)))));
}

async function launch() {
  const problems = $('spec-problems');
  problems.replaceChildren();
  if ($('token').value) setToken($('token').value);
  try {
    const { id } = await api.submit($('spec-text').value);
    location.hash = `#/search/${id}`;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) $('token-box').hidden = false;
    problems.replaceChildren(el('li', {}, e.message), ...(e.problems || []).map((p) => el('li', {}, p)));
  }
}

// ---- search view ----------------------------------------------------------------------------------------------

function charts() {
  if (!state.charts) {
    state.charts = {
      pareto: paretoChart($('pareto-chart'), (n) => selectTrial(n)),
      hv: hypervolumeChart($('hv-chart')),
      curves: curveChart($('curve-chart')),
    };
  }
  return state.charts;
}

async function loadSearch() {
  const id = state.searchId;
  const [search, trials, pareto, reports, hv, importance] = await Promise.all([api.search(id), api.trials(id), api.pareto(id),
    api.reports(id), api.hypervolume(id), api.importance(id)]);
  if (id !== state.searchId) return;
  Object.assign(state, { search, trials, pareto, reports, hv, importance });
  if (state.selected === null) state.selected = defaultSelection();
  if (state.selected !== null) state.detail = await api.trial(id, state.selected).catch(() => null);
  renderSearch();
  await refreshLogs();
}

/** The trial shown in the ladder until the user picks one: the most accurate front point, else the latest reporter. */
function defaultSelection() {
  const points = state.pareto ? state.pareto.points : [];
  if (points.length) return points[points.length - 1].number;
  return state.reports.length ? state.reports[state.reports.length - 1].number : null;
}

/**
 * The trials whose curves are drawn until the user ticks rows: the front's (up to six), the running ones, the
 * latest to report (up to ten in all) and the selected one, so that a live search shows curves from its first
 * reported epoch.
 */
function plottedTrials() {
  if (state.plotChosen) return state.plotted;
  const plotted = new Set(state.pareto ? state.pareto.points.slice(-6).map((p) => p.number) : []);
  for (const t of state.trials) if (t.state === 'RUNNING') plotted.add(t.number);
  for (let i = state.reports.length - 1; i >= 0 && plotted.size < 10; i--) plotted.add(state.reports[i].number);
  if (state.selected !== null) plotted.add(state.selected);
  state.plotted = plotted;
  return plotted;
}

function renderSearch() {
  const s = state.search;
  $('search-title').textContent = `#${s.id} ${s.name}`;
  $('search-state').className = `state ${s.state}`;
  $('search-state').textContent = s.state;
  $('search-message').textContent = s.message || '';
  $('stop-btn').disabled = s.state !== 'RUNNING';
  $('resume-btn').disabled = !s.resumable;
  $('delete-btn').disabled = s.state === 'RUNNING';
  $('export-link').href = api.exportUrl(s.id);
  renderStats($('stats'), s, state.pareto);
  $('spec-json').textContent = JSON.stringify(s.spec, null, 2);

  const c = charts();
  updatePareto(c.pareto, state.pareto, state.trials);
  updateHypervolume(c.hv, state.hv, state.hvAxis);
  renderTable();
  renderCurves();
  renderLadder($('ladder'), $('ladder-title'), state.detail);
  renderHeatmap($('heatmap'), state.pareto);
  renderComparison();
  renderParallel($('parallel'), state.trials, state.search.layers, selectTrial);
  renderImportance($('importance'), $('importance-note'), state.importance);
}

function renderTable() {
  const shown = state.stateFilter ? state.trials.filter((t) => t.state === state.stateFilter).length : state.trials.length;
  $('filter-count').textContent = state.stateFilter ? `${shown} of ${state.trials.length}` : '';
  renderTrialTable($('trial-table'), state.trials, {
    sort: state.sort, plotted: plottedTrials(), selected: state.selected, stateFilter: state.stateFilter,
    onSelect: selectTrial,
    onPlot: (n, on) => {
      if (!state.plotChosen) state.plotted = new Set(plottedTrials());
      state.plotChosen = true;
      if (on) state.plotted.add(n); else state.plotted.delete(n);
      renderCurves();
    },
    onSort: (key) => {
      state.sort = { key, dir: state.sort.key === key && state.sort.dir === 'asc' ? 'desc' : 'asc' };
      renderTable();
    },
  });
}

function renderCurves() {
  const byTrial = new Map();
  const plotted = plottedTrials();
  const key = state.metric;
  for (const r of state.reports) {
    if (!plotted.has(r.number) || r[key] === null || r[key] === undefined) continue;
    if (!byTrial.has(r.number)) byTrial.set(r.number, []);
    byTrial.get(r.number).push({ x: r.epoch, y: r[key], stop: r.decision === 'STOP' });
  }
  const curves = [...byTrial.entries()].sort((a, b) => a[0] - b[0])
    .map(([number, points]) => ({ number, points: points.sort((a, b) => a.x - b.x) }));
  const rungs = new Set(state.reports.filter((r) => r.rung !== null && r.rung >= 0).map((r) => r.epoch));
  updateCurves(charts().curves, curves, [...rungs].sort((a, b) => a - b), METRICS[key]);
}

function renderComparison() {
  const points = state.pareto.points;
  const fill = (select, value) => {
    select.replaceChildren(...points.map((p) => el('option', { value: p.number, selected: p.number === value },
      `trial ${p.number} · ${pct(p.valAccuracy)} · ${p.sizeKiB.toFixed(1)} KiB`)));
  };
  const numbers = points.map((p) => p.number);
  // until the user picks: the smallest model against the most accurate one
  if (!state.cmpChosen || !numbers.includes(state.cmp[0]) || !numbers.includes(state.cmp[1])) {
    state.cmp = [numbers[0] ?? null, numbers[numbers.length - 1] ?? null];
  }
  fill($('cmp-a'), state.cmp[0]);
  fill($('cmp-b'), state.cmp[1]);
  renderCompare($('compare'), state.pareto, state.cmp[0], state.cmp[1]);
}

async function selectTrial(number) {
  state.selected = number;
  state.detail = await api.trial(state.searchId, number).catch(() => null);
  state.plotted.add(number);
  renderTable();
  renderCurves();
  renderLadder($('ladder'), $('ladder-title'), state.detail);
  state.openLog = null;
  await refreshLogs();
}

/** Lists the selected trial's logs and shows the open one (the latest attempt's until the user picks another). */
async function refreshLogs() {
  const id = state.searchId, number = state.selected;
  if (id === null || number === null) return;
  const shown = await showLogs($('logs'), $('log-text'), id, number, state.openLog, (name) => {
    state.openLog = name;
    refreshLogs();
  });
  if (id === state.searchId && number === state.selected) state.openLog = shown || null;
}

async function removeSearch() {
  const s = state.search;
  if (!s || !window.confirm(`Delete search #${s.id} ${s.name} with all its trials and checkpoints? This cannot be undone.`)) return;
  $('action-error').hidden = true;
  try {
    await api.remove(s.id);
    forgetSearch();
    location.hash = '#/';
  } catch (e) {
    $('action-error').hidden = false;
    $('action-error').textContent = e.message + (e.status === 401 ? ' (enter the token on the searches page)' : '');
  }
}

async function act(action) {
  $('action-error').hidden = true;
  if ($('token').value) setToken($('token').value);
  try {
    await action(state.searchId);
    await loadSearch();
  } catch (e) {
    $('action-error').hidden = false;
    $('action-error').textContent = e.message + (e.status === 401 ? ' (enter the token on the searches page)' : '');
    if (e.status === 401) $('token-box').hidden = false;
  }
}

// ---- routing and live updates ---------------------------------------------------------------------------------

async function route() {
  const match = location.hash.match(/^#\/search\/(\d+)$/);
  $('list-view').hidden = !!match;
  $('search-view').hidden = !match;
  try {
    if (match) {
      const id = Number(match[1]);
      if (state.searchId !== id) {
        Object.assign(state, { searchId: id, selected: null, detail: null, openLog: null, cmp: [null, null], cmpChosen: false, plotChosen: false });
      }
      await loadSearch();
    } else {
      state.searchId = null;
      await loadList();
    }
  } catch (e) {
    $('action-error').hidden = !match;
    $('action-error').textContent = e.message;
  }
}

// Live updates. A full reload of a search costs O(its history), so events are applied where that is easy:
// EpochReported appends a point to the curves and updates the trial's row, TrialStarted/TrialFinished update
// the row; only the resource an event changed is refetched (the search's counts, the front, the open trial),
// at most once per REFRESH_MS. The list view reloads only when a search starts or ends or a trial finishes.
const REFRESH_MS = 1000;
const due = new Set();
let timer = null;

function refreshSoon(what) {
  due.add(what);
  if (!timer) timer = setTimeout(flush, REFRESH_MS);
}

/** Drops the open search and any refetch still due for it (it was deleted: every fetch of it would be a 404). */
function forgetSearch() {
  if (timer) clearTimeout(timer);
  timer = null;
  due.clear();
  Object.assign(state, { searchId: null, search: null, selected: null, detail: null, openLog: null });
}

async function flush() {
  timer = null;
  const what = new Set(due);
  due.clear();
  const id = state.searchId;
  try {
    if (what.has('all') || id === null || !state.search) { await route(); return; }
    const [search, trials, pareto, hv, importance] = await Promise.all([
      what.has('search') ? api.search(id) : null,
      what.has('trials') ? api.trials(id) : null,
      what.has('pareto') ? api.pareto(id) : null,
      what.has('pareto') ? api.hypervolume(id) : null,
      what.has('importance') ? api.importance(id) : null]);
    if (id !== state.searchId) return;
    if (search) state.search = search;
    if (trials) state.trials = trials;
    if (hv) state.hv = hv;
    if (importance) state.importance = importance;
    if (pareto) {
      state.pareto = pareto;
      const front = new Set(pareto.points.map((p) => p.number));
      for (const t of state.trials) t.onFront = front.has(t.number);
    }
    if (what.has('detail') && state.selected !== null && id === state.searchId) state.detail = await api.trial(id, state.selected).catch(() => null);
    renderSearch();
    if (what.has('detail')) await refreshLogs();
  } catch (e) {
    $('action-error').hidden = false;
    $('action-error').textContent = e.message;
  }
}

/** Applies one event of the open search to the page's state; returns the resources that must be refetched. */
function apply(event) {
  const row = state.trials.find((t) => t.number === event.number);
  switch (event.type) {
    case 'EpochReported': {
      const m = event.metrics;
      const finite = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
      // a re-run (resumed from an earlier checkpoint) replaces this epoch and every later one
      state.reports = state.reports.filter((r) => r.number !== event.number || r.epoch < m.epoch);
      state.reports.push({
        number: event.number, epoch: m.epoch, valAccuracy: finite(m.valAccuracy), valLoss: finite(m.valLoss),
        trainLoss: finite(m.trainLoss), seconds: m.seconds, samplesPerSecond: m.samplesPerSecond,
        decision: event.verdict ? event.verdict.decision : null, rung: event.verdict ? event.verdict.rung : null,
      });
      if (!row) return ['trials'];
      row.epochs = m.epoch;
      row.valAccuracy = finite(m.valAccuracy);
      const accs = state.reports.filter((r) => r.number === event.number && r.valAccuracy !== null).map((r) => r.valAccuracy);
      row.bestValAccuracy = accs.length ? Math.max(...accs) : null;
      // nothing selected yet (no front): the first trial to report fills the rung ladder
      if (state.selected === null) state.selected = event.number;
      renderTable();
      renderCurves();
      return state.selected === event.number ? ['detail'] : [];
    }
    case 'TrialStarted':
      if (!row) return ['trials', 'search'];
      Object.assign(row, { state: 'RUNNING', device: event.device, attempts: event.attempt });
      renderTable();
      return ['search'];
    case 'TrialRetrying':
      if (row) Object.assign(row, { attempts: event.attempt, reason: event.error });
      return ['search'];
    case 'TrialInterrupted': // a stop, the wall limit or a shutdown cancelled its attempt; resume continues it
      if (!row) return ['trials', 'search'];
      Object.assign(row, { state: 'INTERRUPTED', reason: event.reason });
      renderTable();
      return ['search'];
    case 'TrialFinished':
      if (!row) return ['trials', 'search'];
      Object.assign(row, { state: event.state, reason: event.reason });
      renderTable();
      renderCurves();
      return state.selected === event.number ? ['search', 'detail', 'importance'] : ['search', 'importance'];
    case 'FrontChanged':
      return ['pareto'];
    default: // Connected (a reconnect may have missed events), SearchStarted, SearchFinished
      return ['all'];
  }
}

const LIST_EVENTS = new Set(['Connected', 'SearchStarted', 'TrialFinished', 'SearchFinished']);

let source = null;

/** (Re)opens the event stream; called at start and whenever the token changes (the URL carries it). */
function listen() {
  if (source) source.close();
  source = new EventSource(api.eventsUrl());
  source.onopen = () => { $('live').className = 'live on'; $('live').textContent = 'live'; };
  source.onerror = () => { $('live').className = 'live off'; $('live').textContent = 'reconnecting…'; };
  source.onmessage = (message) => {
    let event;
    try { event = JSON.parse(message.data); } catch (_) { refreshSoon('all'); return; }
    if (state.searchId === null) {
      if (LIST_EVENTS.has(event.type)) refreshSoon('all');
    } else if (event.type === 'Connected') {
      refreshSoon('all');
    } else if (event.searchId === state.searchId) {
      if (!state.search) { refreshSoon('all'); return; }
      for (const what of apply(event)) refreshSoon(what);
    }
  };
}

async function init() {
  $('spec-text').value = EXAMPLE_SPEC;
  $('token').value = token();
  $('launch-btn').onclick = launch;
  $('token').onchange = () => { setToken($('token').value); listen(); route(); };
  $('spec-file').onchange = async (e) => { if (e.target.files[0]) $('spec-text').value = await e.target.files[0].text(); };
  $('stop-btn').onclick = () => act(api.stop);
  $('resume-btn').onclick = () => act(api.resume);
  $('delete-btn').onclick = removeSearch;
  $('state-filter').onchange = (e) => { state.stateFilter = e.target.value; renderTable(); };
  $('curve-metric').onchange = (e) => { state.metric = e.target.value; renderCurves(); };
  $('hv-axis').onchange = (e) => { state.hvAxis = e.target.value; updateHypervolume(charts().hv, state.hv, state.hvAxis); };
  $('cmp-a').onchange = (e) => { state.cmp[0] = Number(e.target.value); state.cmpChosen = true; renderComparison(); };
  $('cmp-b').onchange = (e) => { state.cmp[1] = Number(e.target.value); state.cmpChosen = true; renderComparison(); };
  try {
    const info = await api.info();
    state.authRequired = info.authRequired;
    $('token-box').hidden = !info.authRequired;
  } catch (_) { /* the list shows the error */ }
  window.addEventListener('hashchange', route);
  listen();
  await route();
}

init();
