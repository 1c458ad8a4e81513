'use strict';
// PM2 7 notifies `exit` twice on its bus for one stop of a process (a stop, a restart, a
// fork-mode reload): God.handleExit when the child exits (process status `stopping`),
// then God.stopProcessId when its kill completed (status `stopped`). Both describe the
// same exit of the same child with the same exit code; the console showed two `exit`
// lines for one reload. This keeps the first and drops the confirmation. A crash exits
// once (status `stopped`, no `stopping` exit before it) and is kept.
class ExitDedup {
  constructor() {
    this.stopping = new Set(); // name:pm_id whose child exited during a stop
  }

  // True when the packet is the second notification of an exit already published.
  isDuplicate(kind, packet) {
    if (kind !== 'process:event' || !packet || typeof packet !== 'object') return false;
    const proc = packet.process && typeof packet.process === 'object' ? packet.process : {};
    const key = `${proc.name}:${proc.pm_id}`;
    const pending = this.stopping.delete(key); // any event of the process ends the pair
    if (packet.event !== 'exit') return false;
    if (proc.status === 'stopping') {
      this.stopping.add(key);
      return false;
    }
    return pending && proc.status === 'stopped';
  }
}

module.exports = { ExitDedup };
