// The search view's panels built from API data: trial table, rung ladder, bit heatmap, comparison,
// parallel coordinates and parameter importance.
import { bitColor, el, kib, num, params, pct, ratio, stateBadge } from './format.js';

/** Layer i's bits as "W/A" ("4/8") when the trial quantizes activations (activationBits), else just W. */
export const wa = (x, i) => (x.activationBits ? `${x.bits[i]}/${x.activationBits[i]}` : `${x.bits[i]}`);
const waAll = (x) => x.bits.map((_, i) => wa(x, i)).join(' ');

const sortValue = (t, key, plotted) => {
  switch (key) {
    case 'plot': return plotted.has(t.number) ? 0 : 1;
    case 'bits': return waAll(t);
    case 'params': return params(t.params);
    default: return t[key] ?? -Infinity;
  }
};

/** Fills the trial table; onSelect(number) on a row click, onPlot(number, checked) on the checkbox. */
export function renderTrialTable(table, trials, { sort, plotted, selected, onSelect, onPlot, onSort, stateFilter }) {
  const rows = trials.filter((t) => !stateFilter || t.state === stateFilter).sort((a, b) => {
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
    el('td', {}, kib(t.sizeKiB)), el('td', {}, ratio(t.compression)), el('td', {}, waAll(t)),
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
    p.bits.map((b, i) => {
      const [bg, fg] = bitColor(b);
      const title = p.activationBits ? `${b}-bit weights, ${p.activationBits[i]}-bit activations` : `${b} bits`;
      return el('td', { style: `background:${bg};color:${fg}`, title }, wa(p, i));
    })));
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
      pa.activationBits || pb.activationBits
        ? layers.map((name, i) => row(`activation bits: ${name}`, pa.activationBits?.[i] ?? 32, pb.activationBits?.[i] ?? 32, (v) => v, lo)) : [],
      keys.map((k) => row(k, pa.params[k] ?? null, pb.params[k] ?? null, (v) => (v === null ? '–' : typeof v === 'number' ? +v.toPrecision(5) : v))))));
}

/** The summary cards of one search. */
export function renderStats(container, s, pareto) {
  const frontBest = pareto && pareto.points.length ? Math.max(...pareto.points.map((p) => p.valAccuracy)) : null;
  const card = (k, v) => el('div', { class: 'stat' }, el('div', { class: 'v' }, v), el('div', { class: 'k' }, k));
  const t = s.counts;
  container.replaceChildren(
    card('budget used', s.maxTrials ? `${t.completed + t.pruned + t.failed} / ${s.maxTrials}` : `${t.total}`),
    card('running', t.running + t.pending), ...(t.interrupted ? [card('interrupted', t.interrupted)] : []),
    card('completed', t.completed), card('pruned', t.pruned), card('failed', t.failed),
    // the front ranks trials by the final epoch's accuracy; the best over all epochs of all trials can be higher
    card('front: best val acc (final epoch)', pct(frontBest)),
    card('best val acc (any epoch, any trial)', pct(s.bestValAccuracy)), card('hypervolume', num(s.hypervolume, 4)));
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

const short = (v) => (typeof v === 'number' ? String(+v.toPrecision(3)) : String(v));

/**
 * One axis of the parallel-coordinates view: pos(v) in [0, 1] and its tick labels. Numbers with few distinct
 * values (bit-widths, categorical choices) get one evenly spaced tick per value; other numbers a linear scale,
 * or a log scale when positive and spanning 20x or more (learning rates); strings and booleans one tick each.
 */
function axis(name, values, continuous = false) {
  const distinct = [...new Set(values.filter((v) => v !== null && v !== undefined))];
  const numeric = distinct.every((v) => typeof v === 'number');
  if (!numeric || (!continuous && distinct.length <= 6)) {
    const order = numeric ? distinct.sort((a, b) => a - b) : distinct.map(String).sort();
    const at = (v) => (order.length === 1 ? 0.5 : order.indexOf(numeric ? v : String(v)) / (order.length - 1));
    return { name, pos: at, ticks: order.map((v) => ({ p: at(v), label: short(v) })) };
  }
  const lo = Math.min(...distinct), hi = Math.max(...distinct);
  const log = lo > 0 && hi / lo >= 20;
  const f = log ? Math.log10 : (v) => v;
  const pos = (v) => (hi === lo ? 0.5 : (f(v) - f(lo)) / (f(hi) - f(lo)));
  return { name: log ? `${name} (log)` : name, pos, ticks: [{ p: 0, label: short(lo) }, { p: 1, label: short(hi) }] };
}

/**
 * Parallel coordinates of the completed trials: one axis per parameter, one per layer's bit-width, and the final
 * validation accuracy last; one line per trial coloured by that accuracy (warm low, cool high). Clicking a line
 * selects its trial.
 */
export function renderParallel(container, trials, layers, onSelect) {
  const done = trials.filter((t) => t.state === 'COMPLETED' && t.valAccuracy !== null);
  container.dataset.lines = String(done.length);
  if (done.length < 2) { container.replaceChildren(el('p', { class: 'muted' }, 'Needs two completed trials.')); return; }
  const names = layers && layers.length === done[0].bits.length ? layers.map((l) => l.name) : done[0].bits.map((_, i) => `layer ${i}`);
  const keys = [...new Set(done.flatMap((t) => Object.keys(t.params)))].sort();
  const axes = [
    ...keys.map((k) => ({ ...axis(k, done.map((t) => t.params[k])), get: (t) => t.params[k] })),
    ...names.map((n, i) => ({ ...axis(`bits ${n}`, done.map((t) => t.bits[i])), get: (t) => t.bits[i] })),
    { ...axis('val acc', done.map((t) => t.valAccuracy), true), get: (t) => t.valAccuracy },
  ];
  container.dataset.axes = String(axes.length);
  const W = Math.max(520, 105 * axes.length), H = 300, left = 40, right = 50, top = 30, bottom = 22;
  const x = (i) => left + (i * (W - left - right)) / (axes.length - 1);
  const y = (p) => top + (1 - p) * (H - top - bottom);
  const acc = axes[axes.length - 1];
  const lines = done.map((t) => {
    const p = acc.pos(t.valAccuracy);
    const points = axes.map((a, i) => { const v = a.get(t); return v === undefined || v === null ? null : `${x(i).toFixed(1)},${y(a.pos(v)).toFixed(1)}`; })
      .filter((q) => q !== null).join(' ');
    return svg('polyline', { points, stroke: `hsl(${10 + p * 210}, 75%, ${45 + p * 5}%)`, 'data-number': t.number,
      onclick: () => onSelect(t.number) }, svg('title', {}, `trial ${t.number} · ${pct(t.valAccuracy)} · ${params(t.params)} · bits ${waAll(t)}`));
  });
  const axisNodes = axes.map((a, i) => svg('g', { class: 'axis' },
    svg('line', { x1: x(i), x2: x(i), y1: top, y2: H - bottom }),
    svg('text', { class: 'name', x: x(i), y: top - 12, 'text-anchor': 'middle' }, a.name),
    a.ticks.map((t) => svg('text', { x: x(i) + 4, y: y(t.p) + 4 }, t.label))));
  // scales to the card's width (min-width in style.css: a narrow screen scrolls it inside its card)
  container.replaceChildren(svg('svg', { class: 'pc', viewBox: `0 0 ${W} ${H}`, 'data-width': W }, lines, axisNodes));
}

/** Bars of each parameter's importance (share of the final accuracy's variance it explains on its own). */
export function renderImportance(container, note, importance) {
  if (!importance) { container.replaceChildren(); note.textContent = ''; return; }
  note.textContent = `${importance.method}; of ${importance.objective} (${importance.trials} trials)`;
  container.dataset.params = String(importance.params.length);
  if (!importance.params.length) {
    container.replaceChildren(el('p', { class: 'muted' }, 'Needs at least four completed trials.'));
    return;
  }
  const max = Math.max(...importance.params.map((p) => p.importance), 1e-9);
  container.replaceChildren(el('div', { class: 'imp' }, importance.params.flatMap((p) => [
    el('span', { class: 'name', dataset: { param: p.name } }, p.name),
    el('span', { class: 'bar', title: `share ${(p.share * 100).toFixed(0)}%` }, el('div', { style: `width:${(100 * p.importance) / max}%` })),
    el('span', { class: 'v' }, p.importance.toFixed(3))])));
}
