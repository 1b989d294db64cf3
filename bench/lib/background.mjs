/**
 * How busy the machine was with other work while a measurement ran: all CPU time the kernel
 * accounted (from /proc/stat) minus the time of the benchmark's own processes (from
 * /proc/<pid>/stat), in cores. Linux only; elsewhere it reports `null`.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Node runs on

function machineBusyTicks() {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal ...: everything but idle and iowait.
  const [user, nice, system, , , irq, softirq, steal = 0] = cpu;
  return user + nice + system + irq + softirq + steal;
}

function processTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime
  } catch {
    return 0; // the process has gone
  }
}

/** Starts a window over `pids` (this process is always included); `end()` returns background cores. */
export function backgroundWindow(pids) {
  const all = [process.pid, ...pids];
  let start;
  try {
    start = { machine: machineBusyTicks(), ours: all.reduce((sum, pid) => sum + processTicks(pid), 0), at: performance.now() };
  } catch {
    return { end: () => null };
  }
  return {
    end() {
      const seconds = (performance.now() - start.at) / 1000;
      const machine = machineBusyTicks() - start.machine;
      const ours = all.reduce((sum, pid) => sum + processTicks(pid), 0) - start.ours;
      return Math.max(0, (machine - ours) / TICKS_PER_SECOND / seconds);
    },
  };
}
