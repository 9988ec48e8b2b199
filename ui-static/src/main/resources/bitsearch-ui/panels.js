// The search view's panels built from API data: trial table, rung ladder, bit heatmap, comparison.
import { bitColor, el, kib, num, params, pct, ratio, stateBadge } from './format.js';

const sortValue = (t, key, plotted) => {
  switch (key) {
    case 'plot': return plotted.has(t.number) ? 0 : 1;
    case 'bits': return t.bits.join(' ');
    case 'params': return params(t.params);
    default: return t[key] ?? -Infinity;
  }
};

/** Fills the trial table; onSelect(number) on a row click, onPlot(number, checked) on the checkbox. */
export function renderTrialTable(table, trials, { sort, plotted, selected, onSelect, onPlot, onSort }) {
  const rows = [...trials].sort((a, b) => {
    const va = sortValue(a, sort.key, plotted), vb = sortValue(b, sort.key, plotted);
    const c = typeof va === 'string' || typeof vb === 'string' ? String(va).localeCompare(String(vb)) : va - vb;
    return sort.dir === 'asc' ? c : -c;
  });
  table.querySelectorAll('th').forEach((th) => {
    th.classList.toggle('asc', th.dataset.sort === sort.key && sort.dir === 'asc');
    th.classList.toggle('desc', th.dataset.sort === sort.key && sort.dir === 'desc');
    th.onclick = () => onSort(th.dataset.sort);
  });
  const body = table.tBodies[0];
  body.replaceChildren(...rows.map((t) => {
    const box = el('input', { type: 'checkbox', checked: plotted.has(t.number), title: 'plot its learning curve',
      onclick: (e) => e.stopPropagation(), onchange: (e) => onPlot(t.number, e.target.checked) });
    return el('tr', { class: [t.onFront ? 'front' : '', t.number === selected ? 'selected' : ''].join(' '),
      dataset: { number: t.number, state: t.state }, onclick: () => onSelect(t.number) },
    el('td', {}, box), el('td', {}, t.number), el('td', {}, stateBadge(t.state)), el('td', {}, t.epochs),
    el('td', {}, pct(t.valAccuracy)), el('td', {}, pct(t.bestValAccuracy)), el('td', {}, pct(t.testAccuracy)),
    el('td', {}, kib(t.sizeKiB)), el('td', {}, ratio(t.compression)), el('td', {}, t.bits.join(' ')),
    el('td', { class: 'params' }, params(t.params)), el('td', { class: 'reason' }, t.reason || ''));
  }));
}

/** The rung ladder of one trial: each epoch's accuracy and the pruner's verdict, rungs highlighted. */
export function renderLadder(container, title, detail) {
  if (!detail) { container.replaceChildren(el('p', { class: 'muted' }, 'Select a trial in the table.')); title.textContent = ''; return; }
  title.textContent = `trial ${detail.number} · ${detail.state}`;
  const decisions = new Map(detail.decisions.map((d) => [d.epoch, d]));
  const items = detail.reports.map((r) => {
    const d = decisions.get(r.epoch) || { decision: '', rung: -1, reason: '' };
    const rung = d.rung >= 0;
    return el('li', { class: [rung ? 'rung' : '', d.decision === 'STOP' ? 'stop' : ''].join(' ') },
      el('span', {}, `epoch ${r.epoch}`),
      el('span', {}, pct(r.valAccuracy), ' ', el('span', { class: `dec ${d.decision}` }, d.decision)),
      el('span', { class: 'muted' }, rung ? `rung ${d.rung}: ${d.reason}` : d.reason || '—'));
  });
  const summary = detail.state === 'PRUNED' ? el('p', {}, el('strong', {}, 'Pruned: '), detail.reason)
    : detail.state === 'FAILED' ? el('p', { class: 'error' }, `Failed: ${detail.reason}`)
    : el('p', { class: 'muted' }, `${detail.reports.length} epochs reported${detail.checkpointEpoch ? `, checkpoint at epoch ${detail.checkpointEpoch}` : ''}.`);
  container.replaceChildren(summary, el('ul', { class: 'ladder' }, items));
}

/** Rows: front points, smallest first; columns: layers; each cell the layer's bit-width. */
export function renderHeatmap(container, pareto) {
  if (!pareto.points.length) { container.replaceChildren(el('p', { class: 'muted' }, 'No front yet.')); return; }
  const layers = pareto.layers.length ? pareto.layers.map((l) => l.name)
    : pareto.points[0].bits.map((_, i) => `layer ${i}`);
  const head = el('tr', {}, el('th', {}, 'trial'), el('th', {}, 'val acc'), el('th', {}, 'KiB'), layers.map((n) => el('th', {}, n)));
  const rows = pareto.points.map((p) => el('tr', { dataset: { number: p.number } },
    el('td', { class: 'meta' }, `#${p.number}`), el('td', { class: 'meta' }, pct(p.valAccuracy)), el('td', { class: 'meta' }, kib(p.sizeKiB)),
    p.bits.map((b) => { const [bg, fg] = bitColor(b); return el('td', { style: `background:${bg};color:${fg}`, title: `${b} bits` }, b); })));
  container.replaceChildren(el('table', { class: 'heat' }, el('thead', {}, head), el('tbody', {}, rows)));
}

/** Side-by-side table of two front points; differing rows highlighted, the better value marked. */
export function renderCompare(container, pareto, a, b) {
  const pa = pareto.points.find((p) => p.number === a), pb = pareto.points.find((p) => p.number === b);
  if (!pa || !pb) { container.replaceChildren(el('p', { class: 'muted' }, 'The front needs two points to compare.')); return; }
  const layers = pareto.layers.length ? pareto.layers.map((l) => l.name) : pa.bits.map((_, i) => `layer ${i}`);
  const row = (label, va, vb, fmt, better) => {
    const differ = JSON.stringify(va) !== JSON.stringify(vb);
    const mark = (mine, other) => (differ && better && better(mine, other) ? 'better' : '');
    return el('tr', {}, el('th', {}, label),
      el('td', { class: [differ ? 'diff' : '', mark(va, vb)].join(' ') }, fmt(va)),
      el('td', { class: [differ ? 'diff' : '', mark(vb, va)].join(' ') }, fmt(vb)));
  };
  const hi = (x, y) => x !== null && (y === null || x > y), lo = (x, y) => x !== null && (y === null || x < y);
  const keys = [...new Set([...Object.keys(pa.params), ...Object.keys(pb.params)])].sort();
  container.replaceChildren(el('table', { class: 'cmp' },
    el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', {}, `trial ${pa.number}`), el('th', {}, `trial ${pb.number}`))),
    el('tbody', {},
      row('val accuracy', pa.valAccuracy, pb.valAccuracy, pct, hi),
      row('test accuracy', pa.testAccuracy, pb.testAccuracy, pct, hi),
      row('size (KiB)', pa.sizeKiB, pb.sizeKiB, kib, lo),
      row('compression', pa.compression, pb.compression, ratio, hi),
      layers.map((name, i) => row(`bits: ${name}`, pa.bits[i], pb.bits[i], (v) => v ?? '–', lo)),
      keys.map((k) => row(k, pa.params[k] ?? null, pb.params[k] ?? null, (v) => (v === null ? '–' : typeof v === 'number' ? +v.toPrecision(5) : v))))));
}

/** The summary cards of one search. */
export function renderStats(container, s) {
  const card = (k, v) => el('div', { class: 'stat' }, el('div', { class: 'v' }, v), el('div', { class: 'k' }, k));
  const t = s.counts;
  container.replaceChildren(
    card('budget used', s.maxTrials ? `${t.completed + t.pruned + t.failed} / ${s.maxTrials}` : `${t.total}`),
    card('running', t.running + t.pending), ...(t.interrupted ? [card('interrupted', t.interrupted)] : []),
    card('completed', t.completed), card('pruned', t.pruned), card('failed', t.failed),
    card('best val acc', pct(s.bestValAccuracy)), card('hypervolume', num(s.hypervolume, 4)));
}
