// A trial's log files (the process trainer keeps one per attempt: the program's stderr and its non-protocol
// stdout lines): a button per file, and the chosen file's last 256 KiB below them.
import { api } from './api.js';
import { el } from './format.js';

const kib = (bytes) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`);

/**
 * Shows the logs of trial `number` of search `searchId` in `container` and, when `open` names one of them (or,
 * when null, the latest attempt's is taken), its text in `pre`. Returns the name shown ('' if none).
 */
export async function showLogs(container, pre, searchId, number, open, onPick) {
  const list = await api.logs(searchId, number).catch(() => null);
  const logs = list ? list.logs : [];
  if (!logs.length) {
    container.replaceChildren(el('p', { class: 'muted' }, 'No log files for this trial (the process trainer keeps one per attempt).'));
    pre.hidden = true;
    pre.textContent = '';
    return '';
  }
  const attempts = logs.filter((l) => l.attempt > 0);
  const shown = logs.some((l) => l.name === open) ? open : (attempts.length ? attempts[attempts.length - 1].name : logs[0].name);
  container.replaceChildren(el('div', { class: 'row log-files' }, ...logs.map((l) => el('button', {
    class: l.name === shown ? 'log-file on' : 'log-file', type: 'button', dataset: { log: l.name },
    title: `${l.name}: ${l.bytes} bytes`, onclick: () => onPick(l.name),
  }, `${l.attempt > 0 ? `attempt ${l.attempt}` : l.name.replace('.log', '')} · ${kib(l.bytes)}`))));
  const log = await api.log(searchId, number, shown).catch(() => null);
  pre.hidden = false;
  pre.dataset.log = shown;
  pre.textContent = log === null ? `(${shown} could not be read)`
    : (log.truncated ? `… the last ${kib(log.text.length)} of ${kib(log.bytes)}\n` : '') + (log.text || '(empty)');
  return shown;
}
