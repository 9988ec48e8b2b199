// Number and text formatting shared by the views.
export const pct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(2)}%`);
export const num = (v, digits = 2) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));
export const kib = (v) => (v === null || v === undefined ? '–' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
export const ratio = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(1)}×`);
export const params = (p) => Object.entries(p || {}).map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toPrecision(4) : v}`).join(', ');

/** Creates an element: el('td', {class: 'x'}, 'text', child...). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export const stateBadge = (state) => el('span', { class: `state ${state}` }, state);

/** Colour of a bit-width cell: few bits warm, many bits cool, 32 (full precision) grey. */
export function bitColor(bits) {
  if (bits >= 32) return ['#cfd6e4', '#1d2330'];
  const t = Math.min(1, (bits - 1) / 7);
  const hue = 10 + t * 200;
  return [`hsl(${hue}, 70%, ${52 + t * 10}%)`, '#fff'];
}
