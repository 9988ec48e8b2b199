// The devices card: every node (this process, then each cluster worker), its slots, and what trains on each.
import { el } from './format.js';

/** Renders GET /api/cluster's view into `container`. */
export function renderNodes(container, view) {
  const nodes = (view && view.nodes) || [];
  const rows = nodes.map((n) => el('tr', { dataset: { node: n.node } },
    el('td', {}, n.node === 'local' ? 'this process' : n.node),
    el('td', {}, n.role),
    el('td', {}, n.slots.length ? n.slots.map((s) => el('span', {
      class: `slot ${s.search === null ? 'free' : 'busy'}`,
      title: s.search === null ? `${s.device}: free` : `${s.device}: search ${s.search}, trial ${s.trial}`,
    }, s.search === null ? s.device : `${s.device} · #${s.search}/${s.trial}`)) : el('span', { class: 'muted' }, 'no slots'))));
  container.replaceChildren(el('table', { class: 'table' },
    el('thead', {}, el('tr', {}, el('th', {}, 'node'), el('th', {}, 'role'), el('th', {}, 'slots: device · search/trial'))),
    el('tbody', {}, ...rows)));
}
