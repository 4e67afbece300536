/**
 * Conexizan load benchmark, side by side with Prosody and ejabberd: for each
 * server (and archive setting) it provisions accounts and rosters, starts the
 * server on its own loopback address, runs the same phases with the same
 * client workers, stops it, and finally prints one table with ratios.
 *
 *   pnpm --filter @conexizan/bench bench                      # 1k sessions, three servers
 *   pnpm --filter @conexizan/bench bench -- --sessions 5000 --servers conexizan
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { comparisonTable, goalLines } from './metrics/compare.ts';
import { runOk, type BenchReport, type MachineInfo } from './metrics/report.ts';
import { parseOptions, type Options } from './options.ts';
import { formatAllocations } from './profile/allocations.ts';
import { formatHeapGrowth } from './profile/heap.ts';
import { formatSummary } from './profile/summary.ts';
import { progress, runAgainst, type Running } from './run.ts';
import { makeCertificate } from './targets/certificate.ts';
import { ConexizanTarget, postgresUrlFor } from './targets/conexizan.ts';
import { EjabberdTarget } from './targets/ejabberd.ts';
import { ensurePeerInstalled } from './targets/peers.ts';
import { ProsodyTarget } from './targets/prosody.ts';
import { serverHandle, type ServerHandle } from './metrics/proc.ts';
import { serverFilesBase, sleep } from './targets/server-process.ts';
import type { Target, TargetSettings } from './targets/target.ts';

/** Each server its own loopback address (Prosody and ejabberd would otherwise clash on defaults). */
const SERVER_HOSTS: Record<string, string> = { conexizan: '127.0.0.11', prosody: '127.0.0.12', ejabberd: '127.0.0.13', 'conexizan-postgresql': '127.0.0.14' };

function makeTarget(name: string, settings: TargetSettings, options: Options): Target {
  const nodes = /^conexizan ×(\d+)$/.exec(name)?.[1];
  if (nodes) return new ConexizanTarget(settings, postgresUrlFor(options.postgresUrl), Number(nodes));
  if (name === 'conexizan') return new ConexizanTarget(settings);
  if (name === 'conexizan-postgresql') return new ConexizanTarget(settings, postgresUrlFor(options.postgresUrl));
  if (name === 'prosody') return new ProsodyTarget(settings);
  if (name === 'ejabberd') return new EjabberdTarget(settings);
  throw new Error(`unknown server ${name}`);
}

function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.versions.node,
    platform: `${process.platform} ${process.arch}`,
    kernel: release(),
    loadAverage: loadavg()[0]!,
  };
}

/**
 * The generator holds one socket per session too: raise this process's own
 * open-file limit. Where that is not permitted (no CAP_SYS_RESOURCE), the
 * hard limit is what there is, for the servers too; returns the limit to use.
 */
function raiseOwnFileLimit(openFiles: number): number {
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${openFiles}:${openFiles}`], { stdio: 'ignore' });
    return openFiles;
  } catch {
    const hard = Number(execFileSync('prlimit', ['--pid', String(process.pid), '--nofile', '--raw', '--noheadings', '--output', 'HARD'], { encoding: 'utf8' }).trim());
    const usable = Number.isFinite(hard) && hard > 0 ? Math.min(hard, openFiles) : 1024;
    progress(`could not raise the open-file limit to ${openFiles}; using the hard limit ${usable}, enough for about ${usable - 1000} sessions`);
    return usable;
  }
}

function emptyReport(target: { name: string; version: string; notes: string[] }, options: Options, archive: boolean, host: string): BenchReport {
  return {
    startedAt: new Date().toISOString(),
    machine: machineInfo(),
    target: { ...target, host, scramHash: options.run.scramHash, scramIterations: options.scramIterations, transport: options.run.transport, archive, rosterSize: options.effectiveRosterSize },
    setup: { accounts: options.run.sessions, prepareSeconds: 0, startupSeconds: 0 },
    warmup: null,
    baseline: { rssBytes: 0, heapUsedBytes: null },
    login: null,
    hold: null,
    messages: [],
    serverCounters: {},
    shutdown: null,
    warnings: [],
    ok: false,
  };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  options.openFiles = raiseOwnFileLimit(options.openFiles);
  const workDir = mkdtempSync(join(tmpdir(), 'conexizan-bench-tls-'));
  const cert = makeCertificate(workDir, 'localhost');
  const runs: BenchReport[] = [];
  const running: Running = { pool: null };
  let current: Target | null = null;
  let stopping = false;

  // No server or worker may outlive the benchmark: stop them on ctrl-c, SIGTERM,
  // the overall time limit, and (synchronously) when this process exits anyway.
  const stopCurrent = async (keep: boolean) => {
    const target = current;
    current = null;
    await running.pool?.close();
    running.pool = null;
    return target ? target.stop(keep) : null;
  };
  const abort = (why: string) => {
    if (stopping) return;
    stopping = true;
    progress(`${why}: stopping`);
    // An interrupted run keeps the server's files only when asked: they sit in tmpfs, i.e. in memory.
    void stopCurrent(options.keepData).finally(() => {
      rmSync(workDir, { recursive: true, force: true });
      process.exit(130);
    });
    setTimeout(() => process.exit(130), 20_000).unref();
  };
  process.once('SIGINT', () => abort('interrupted'));
  process.once('SIGTERM', () => abort('terminated'));
  process.once('exit', () => current?.killNow());
  const deadline = setTimeout(() => abort(`time limit of ${options.timeoutSeconds} s reached`), options.timeoutSeconds * 1000);
  deadline.unref();

  for (const archive of options.archiveSettings) {
    for (const name of options.servers) {
      const host = SERVER_HOSTS[name] ?? SERVER_HOSTS.conexizan!;
      // A cluster of Conexizan nodes needs Redis, installed like a peer.
      const missing = name.startsWith('conexizan') ? (name.includes('×') ? ensurePeerInstalled('redis', options.install, progress) : null) : ensurePeerInstalled(name, options.install, progress);
      if (missing) {
        progress(`${name}: not measured: ${missing}`);
        runs.push({ ...emptyReport({ name, version: 'not installed', notes: [] }, options, archive, host), notMeasured: missing });
        continue;
      }
      const settings: TargetSettings = { host, scramIterations: options.scramIterations, archive, ...cert, openFiles: options.openFiles, profileDir: name.startsWith('conexizan') ? options.profileDir : undefined, heapSnapshotDir: name.startsWith('conexizan') ? options.heapSnapshotDir : undefined };
      let target: Target;
      try {
        target = makeTarget(name, settings, options);
      } catch (error) {
        progress(`${name}: not measured: ${(error as Error).message}`);
        runs.push({ ...emptyReport({ name, version: '?', notes: [] }, options, archive, host), notMeasured: (error as Error).message });
        continue;
      }
      current = target;
      const report = emptyReport(target, options, archive, host);
      runs.push(report);
      try {
        await runAgainst(target, options.run, report, running);
      } catch (error) {
        const died = target.unexpectedExit();
        report.error = died ? `the server stopped on its own during the run (${died}); cause: ${(error as Error).message}` : ((error as Error).stack ?? String(error));
        const tail = target.logTail();
        if (tail) process.stderr.write(`--- end of the ${name} log ---\n${tail}\n---\n`);
      }
      if (stopping) return 130;
      progress(`${name}: closing sessions and stopping the server…`);
      const keep = options.keepData || report.error !== undefined || target.unexpectedExit() !== null;
      if (!report.error && running.pool) {
        // Log everybody out first and let the server finish that work, so that the
        // SIGTERM below measures shutdown alone; the logout work is a figure of its own.
        // From before the first close: a server may finish much of the work while the clients are still closing.
        const server = serverHandle(target);
        const from = { at: performance.now(), cpuSeconds: server.cpuSeconds() };
        await running.pool.close();
        running.pool = null;
        report.logout = await settle(server, Math.max(30, options.run.sessions * 0.02), from);
      }
      report.shutdown = await stopCurrent(keep);
      if (keep) progress(`${name}: server files kept in ${target.filesDir}`);
      const s = report.shutdown;
      if (s?.exitedEarly) report.warnings.push(`the server exited on its own before the end (exit code ${s.exitCode}, signal ${s.signal})`);
      report.ok = runOk(report);
      progress(`${name}: ${report.ok ? 'done' : 'FAILED'}${report.error ? `: ${report.error.split('\n')[0]}` : ''}`);
      await sleep(2000); // let the machine settle between servers
    }
  }
  clearTimeout(deadline);
  rmSync(workDir, { recursive: true, force: true });

  process.stdout.write(`${formatAll(runs, options)}\n`);
  if (options.json) {
    const json = { benchmark: 'conexizan-bench', schemaVersion: 2, command: options.command, machine: machineInfo(), options, goals: goalLines(runs, options.run.p99GoalMs), runs };
    writeFileSync(options.json, `${JSON.stringify(json, null, 2)}\n`);
    progress(`JSON written to ${options.json}`);
  }
  const ours = runs.filter((r) => r.target.name.startsWith('conexizan'));
  return ours.every((r) => r.ok) && runs.every((r) => r.notMeasured || !r.error) ? 0 : 1;
}

/**
 * Waits (≤ limit) until the server has used under 5 % of a core for a
 * second; returns how long it was busy and the CPU it used, counted from `from`.
 */
async function settle(server: ServerHandle, limitSeconds: number, from: { at: number; cpuSeconds: number }): Promise<{ seconds: number; serverCpuSeconds: number }> {
  const started = from.at;
  const cpuAtStart = from.cpuSeconds;
  let quietSince = performance.now();
  let last = server.cpuSeconds();
  while (performance.now() - started < limitSeconds * 1000) {
    await sleep(250);
    const now = server.cpuSeconds();
    if (now - last > 0.25 * 0.05) quietSince = performance.now();
    last = now;
    if (performance.now() - quietSince >= 1000) break;
  }
  return { seconds: Math.max(0, quietSince - started) / 1000, serverCpuSeconds: last - cpuAtStart };
}

function formatAll(runs: BenchReport[], options: Options): string {
  const m = machineInfo();
  const o = options.run;
  const out = [
    `# Conexizan benchmark, ${new Date().toISOString()}`,
    '',
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${(m.memoryBytes / 1024 ** 3).toFixed(1)} GiB, Linux ${m.kernel}, Node ${m.node}; load average at the start ${runs[0]?.machine.loadAverage.toFixed(2) ?? '?'}.`,
    `Command: \`${options.command}\``,
    `Workload: ${o.sessions} sessions over ${o.transport}, SCRAM-${o.scramHash} with ${options.scramIterations} iterations for all servers, rosters of ${options.effectiveRosterSize} contacts (mutual), ` +
      `${o.loginConcurrency} logins in flight, idle hold ${o.holdSeconds} s, 1:1 messages at ${o.rates.join(', ')}/s for ${o.durationSeconds} s each (stopping after the first step with p99 ≥ ${o.p99GoalMs} ms or a loss), ` +
      `${o.workers} client worker threads, all on loopback; server files in ${serverFilesBase()}${serverFilesBase() === '/dev/shm' ? ' (tmpfs: no disk syncs in the figures, for any server)' : ''}.`,
  ];
  for (const archive of options.archiveSettings) {
    const group = runs.filter((r) => r.target.archive === archive);
    out.push('', `## Archive ${archive ? 'on' : 'off'}`, '', comparisonTable(group, o.p99GoalMs), '');
    for (const line of goalLines(group, o.p99GoalMs)) out.push(`- ${line}`);
  }
  for (const r of runs) {
    if (r.heap) out.push('', `## What one idle session of ${r.target.name} holds on the JS heap (archive ${r.target.archive ? 'on' : 'off'}; ${r.heap.files.join(', ')})`, '', formatHeapGrowth(r.heap.growth));
    for (const p of r.profiles ?? []) {
      out.push('', `## Where ${r.target.name}'s main thread spent the ${p.phase} (archive ${r.target.archive ? 'on' : 'off'}; ${p.file})`, '', formatSummary(p.summary));
      if (p.allocations) out.push('', formatAllocations(p.allocations));
    }
  }
  out.push('', 'Setups:');
  for (const r of runs) {
    out.push(`- ${r.target.name} ${r.target.version} on ${r.target.host}, archive ${r.target.archive ? 'on' : 'off'}: ${r.notMeasured ? `not measured: ${r.notMeasured}` : r.target.notes.join('; ')}`);
  }
  const problems = runs.flatMap((r) => [...r.warnings.map((w) => `${r.target.name}: ${w}`), ...(r.error ? [`${r.target.name}: error: ${r.error.split('\n')[0]}`] : [])]);
  if (problems.length > 0) out.push('', 'Warnings:', ...problems.map((p) => `- ${p}`));
  out.push('', runs.filter((r) => !r.notMeasured).every((r) => r.ok) ? 'result: ok' : 'result: FAILED (see above)');
  return out.join('\n');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
