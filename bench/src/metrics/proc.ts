import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * Process and machine figures straight from Linux /proc, so the server is
 * measured from outside: nothing in it has to cooperate, which is what lets
 * the same code measure Prosody or ejabberd later.
 */

let clockTicks: number | null = null;

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (almost always 100). */
function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Resident set size in bytes (VmRSS), and the peak (VmHWM). */
export function readMemory(pid: number): { rss: number; peakRss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { rss: kb('VmRSS'), peakRss: kb('VmHWM') };
}

/** User + system CPU seconds the process has used so far, all its threads included. */
export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/**
 * User + system CPU seconds of a process and its children so far, those that
 * ended included (the kernel adds them to the parent's cutime/cstime when it
 * reaps them): a PostgreSQL cluster is its postmaster and the backends it forks.
 */
export function readTreeCpuSeconds(rootPid: number): number {
  const fields = (pid: number) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  };
  // utime, stime, cutime, cstime are fields 14–17; ppid is field 4.
  const own = (f: string[]) => Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  let ticks = own(fields(rootPid));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === rootPid) continue;
    try {
      const f = fields(Number(entry));
      if (Number(f[1]) === rootPid) ticks += own(f);
    } catch {
      // ended meanwhile: its time is in the parent's cutime now
    }
  }
  return ticks / ticksPerSecond();
}

/**
 * The server as the figures see it: the CPU it costs, helpers (a database
 * server) included, and the memory of its processes (several for a cluster
 * of nodes: every node and Redis).
 */
export interface ServerHandle {
  pid: number;
  cpuSeconds(): number;
  memory(): { rss: number; peakRss: number };
}

/** The handle for a target: its own figures, or what it reports with its helpers and nodes. */
export function serverHandle(target: { pid: number; cpuSeconds?(): number; memory?(): { rss: number; peakRss: number } }): ServerHandle {
  const pid = target.pid;
  return {
    pid,
    cpuSeconds: () => target.cpuSeconds?.() ?? readCpuSeconds(pid),
    memory: () => target.memory?.() ?? readMemory(pid),
  };
}

/** This process's own CPU seconds (getrusage: every thread, libuv's pool for WebCrypto included). */
export function selfCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Busy and total jiffies of the whole machine, to tell whether both cores were saturated. */
export function readMachineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0); // user…steal; guest is already in user
  const idle = (values[3] ?? 0) + (values[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** CPU use between two points in time: server, generator and machine, as shares of one core / of the machine. */
export class CpuWindow {
  readonly #server: ServerHandle;
  readonly #start: { wall: number; server: number; self: number; machine: { busy: number; total: number } };

  constructor(server: ServerHandle) {
    this.#server = server;
    this.#start = { wall: performance.now(), server: server.cpuSeconds(), self: selfCpuSeconds(), machine: readMachineCpu() };
  }

  end(): CpuUsage {
    const wall = (performance.now() - this.#start.wall) / 1000;
    const server = this.#server.cpuSeconds() - this.#start.server;
    const generator = selfCpuSeconds() - this.#start.self;
    const machine = readMachineCpu();
    const total = machine.total - this.#start.machine.total;
    const machineBusyPercent = total > 0 ? (100 * (machine.busy - this.#start.machine.busy)) / total : 0;
    const serverCorePercent = (100 * server) / wall;
    const generatorCorePercent = (100 * generator) / wall;
    return {
      wallSeconds: wall,
      serverCpuSeconds: server,
      serverCorePercent,
      generatorCpuSeconds: generator,
      generatorCorePercent,
      machineBusyPercent,
      otherCorePercent: Math.max(0, machineBusyPercent * availableParallelism() - serverCorePercent - generatorCorePercent),
    };
  }
}

export interface CpuUsage {
  wallSeconds: number;
  serverCpuSeconds: number;
  /** 100 = one core fully used (can exceed 100: thread pool, GC threads) */
  serverCorePercent: number;
  generatorCpuSeconds: number;
  generatorCorePercent: number;
  /** share of all cores busy, anything included */
  machineBusyPercent: number;
  /** % of one core used by everything else on the machine (kernel, other processes): disturbance */
  otherCorePercent: number;
}
