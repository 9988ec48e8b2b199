// The page's charts, drawn with Chart.js (the WebJar's UMD bundle, loaded as window.Chart).
const Chart = window.Chart;
const PALETTE = ['#2f5bea', '#d64545', '#1f9d55', '#d97706', '#7a5af8', '#0e9aa7', '#c2417a', '#5d6b82'];

/** Draws dashed vertical lines at the epochs in chart.options.plugins.rungLines.epochs. */
const rungLines = {
  id: 'rungLines',
  afterDatasetsDraw(chart, _args, options) {
    const epochs = options.epochs || [];
    if (!epochs.length) return;
    const { ctx, chartArea: area, scales: { x } } = chart;
    ctx.save();
    ctx.strokeStyle = 'rgba(214, 69, 69, .55)';
    ctx.setLineDash([5, 4]);
    ctx.fillStyle = 'rgba(214, 69, 69, .85)';
    ctx.font = '11px system-ui, sans-serif';
    epochs.forEach((epoch, i) => {
      const px = x.getPixelForValue(epoch);
      if (px < area.left || px > area.right) return;
      ctx.beginPath(); ctx.moveTo(px, area.top); ctx.lineTo(px, area.bottom); ctx.stroke();
      const label = `rung ${i}`;
      const width = ctx.measureText(label).width;
      ctx.fillText(label, px + 3 + width > area.right ? px - 3 - width : px + 3, area.top + 11);
    });
    ctx.restore();
  },
};

const base = (extra = {}) => ({
  responsive: true, maintainAspectRatio: false, animation: false,
  interaction: { mode: 'nearest', intersect: true },
  ...extra,
});

export function paretoChart(canvas, onPick) {
  return new Chart(canvas, {
    type: 'scatter',
    data: { datasets: [
      { label: 'Pareto front', data: [], showLine: true, stepped: 'after', borderColor: PALETTE[0], backgroundColor: PALETTE[0], pointRadius: 6, pointHoverRadius: 8, order: 0 },
      { label: 'completed', data: [], backgroundColor: 'rgba(93, 107, 130, .45)', pointRadius: 4, order: 1 },
      { label: 'pruned', data: [], backgroundColor: 'rgba(217, 119, 6, .35)', pointStyle: 'triangle', pointRadius: 4, order: 2 },
    ] },
    options: base({
      scales: {
        x: { type: 'logarithmic', title: { display: true, text: 'model size (KiB, log)' } },
        y: { title: { display: true, text: 'validation accuracy' } },
      },
      plugins: { tooltip: { callbacks: { label: (c) => `trial ${c.raw.number}: ${(c.raw.y * 100).toFixed(2)}% @ ${c.raw.x.toFixed(1)} KiB` } } },
      onClick: (_e, items, chart) => { if (items.length) onPick(chart.data.datasets[items[0].datasetIndex].data[items[0].index].number); },
    }),
  });
}

export function updatePareto(chart, pareto, trials) {
  const front = new Set(pareto.points.map((p) => p.number));
  const point = (t) => ({ x: t.sizeKiB, y: t.bestValAccuracy, number: t.number });
  chart.data.datasets[0].data = pareto.points.map((p) => ({ x: p.sizeKiB, y: p.valAccuracy, number: p.number }));
  chart.data.datasets[1].data = trials.filter((t) => t.state === 'COMPLETED' && !front.has(t.number) && t.bestValAccuracy !== null).map(point);
  chart.data.datasets[2].data = trials.filter((t) => t.state === 'PRUNED' && t.bestValAccuracy !== null).map(point);
  chart.update();
  chart.canvas.dataset.points = String(pareto.points.length);
  chart.canvas.dataset.trials = String(chart.data.datasets.reduce((n, d) => n + d.data.length, 0));
}

export function hypervolumeChart(canvas) {
  return new Chart(canvas, {
    type: 'line',
    data: { datasets: [{ label: 'hypervolume', data: [], borderColor: PALETTE[2], backgroundColor: 'rgba(31, 157, 85, .12)', fill: true, stepped: 'after', pointRadius: 2 }] },
    options: base({
      interaction: { mode: 'index', intersect: false },
      scales: { x: { type: 'linear', title: { display: true, text: 'front change' } }, y: { title: { display: true, text: 'hypervolume' } } },
      plugins: { legend: { display: false } },
    }),
  });
}

const HV_AXES = {
  trials: { title: 'trials finished', x: (h) => h.trialsFinished },
  minutes: { title: 'wall clock since the search was created (minutes)', x: (h) => h.seconds / 60 },
  step: { title: 'front change', x: (h) => h.step },
};

/** steps: [{step, hypervolume, seconds, trialsFinished}] (GET .../hypervolume); axis: trials | minutes | step. */
export function updateHypervolume(chart, steps, axis = 'trials') {
  const a = HV_AXES[axis] || HV_AXES.trials;
  chart.data.datasets[0].data = steps.map((h) => ({ x: a.x(h), y: h.hypervolume }));
  chart.options.scales.x.title.text = a.title;
  chart.update();
  chart.canvas.dataset.points = String(steps.length);
  chart.canvas.dataset.axis = axis;
}

export function curveChart(canvas) {
  return new Chart(canvas, {
    type: 'line',
    data: { datasets: [] },
    plugins: [rungLines],
    options: base({
      interaction: { mode: 'nearest', intersect: false },
      scales: { x: { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { stepSize: 1 } }, y: { title: { display: true, text: 'validation accuracy' } } },
      plugins: { rungLines: { epochs: [] } },
    }),
  });
}

/**
 * curves: [{number, points: [{x: epoch, y: value, stop}], current}]; a curve with current: true is the trial's current
 * (partially quantized) accuracy, drawn dashed in its trial's colour. rungEpochs: epochs at which rungs judge; yTitle: the metric.
 */
export function updateCurves(chart, curves, rungEpochs, yTitle = 'validation accuracy') {
  const colour = new Map();
  curves.filter((c) => !c.current).forEach((c, i) => colour.set(c.number, PALETTE[i % PALETTE.length]));
  chart.data.datasets = curves.map((c, i) => ({
    label: c.current ? `trial ${c.number} (current)` : `trial ${c.number}`, data: c.points,
    borderColor: colour.get(c.number) || PALETTE[i % PALETTE.length], borderDash: c.current ? [6, 4] : [],
    backgroundColor: colour.get(c.number) || PALETTE[i % PALETTE.length], tension: 0.2,
    // a pruned trial's last point, where the pruner said STOP, is a cross
    pointStyle: (ctx) => (ctx.raw && ctx.raw.stop ? 'crossRot' : 'circle'),
    pointRadius: (ctx) => (ctx.raw && ctx.raw.stop ? 7 : 3),
    pointBorderWidth: (ctx) => (ctx.raw && ctx.raw.stop ? 2.5 : 1),
  }));
  chart.options.plugins.rungLines.epochs = rungEpochs;
  chart.options.scales.y.title.text = yTitle;
  chart.update();
  chart.canvas.dataset.curves = String(curves.filter((c) => !c.current).length);
  chart.canvas.dataset.currentCurves = String(curves.filter((c) => c.current).length);
  chart.canvas.dataset.points = String(curves.reduce((n, c) => n + c.points.length, 0));
}
