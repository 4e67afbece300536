import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Podman as the infra tests use it on these machines: runc, cgroupfs and no
 * default ulimits (containers.conf beside this file), host networking on
 * loopback addresses only. Every container a test starts is named with the
 * test run's prefix and removed by `removeContainers`.
 */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CONTAINERS_CONF = fileURLToPath(new URL('./containers.conf', import.meta.url));
const BASE_IMAGE_SCRIPT = fileURLToPath(new URL('./base-image.sh', import.meta.url));
/** A TLS-inspecting proxy's CA, if this machine trusts one: the build needs it to reach the npm registry. */
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const IMAGE_REPOSITORY = 'localhost/conexizan-test';
/**
 * Test images of other commits, and build layers nothing names any more, are
 * removed once they are this old (not at once: another run may be using them).
 */
const KEEP_HOURS = 2;

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, CONTAINERS_CONF, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (data: string) => (stdout += data));
    child.stderr.setEncoding('utf8').on('data', (data: string) => (stderr += data));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function podman(args: string[], options: { timeoutMs?: number } = {}): Promise<CommandResult> {
  return run('podman', args, options);
}

/** podman, and an error with its output unless it exits 0. */
export async function podmanOk(args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const result = await podman(args, options);
  if (result.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${result.code}:\n${result.stderr.slice(-4000)}\n${result.stdout.slice(-2000)}`);
  return result.stdout;
}

/** null if podman can run containers here, else what to do about it. */
export async function podmanProblem(): Promise<string | null> {
  try {
    const result = await podman(['--version']);
    return result.code === 0 ? null : `podman does not work: ${result.stderr.trim()}`;
  } catch {
    return 'podman is not installed (run scripts/install-test-deps.sh as root)';
  }
}

export interface BuiltImage {
  tag: string;
  commit: string;
  seconds: number;
}

/**
 * Builds the image the way an operator would, from a fresh clone of this
 * repository's HEAD (so nothing untracked or uncommitted goes in), on the
 * local Debian base image (no registry can be reached here). Podman's layer
 * cache keeps the dependency layers until the lockfile changes.
 */
export async function buildImage(): Promise<BuiltImage> {
  const started = Date.now();
  const commit = (await run('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT })).stdout.trim();
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new Error(`cannot read HEAD of ${REPO_ROOT}`);
  const dirty = (await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT })).stdout.trim();
  if (dirty) process.stderr.write(`infra tests: the image is built from the commit ${commit.slice(0, 12)}; uncommitted changes are not in it\n`);

  const base = await run('bash', [BASE_IMAGE_SCRIPT], { timeoutMs: 20 * 60_000 });
  if (base.code !== 0) throw new Error(`the base image could not be made:\n${base.stderr.slice(-4000)}`);
  const baseImage = base.stdout.trim().split('\n').pop()!;

  const clone = mkdtempSync(join(tmpdir(), 'cnx-image-'));
  try {
    for (const args of [['clone', '--quiet', '--no-checkout', REPO_ROOT, clone], ['-C', clone, 'checkout', '--quiet', commit]]) {
      const result = await run('git', args);
      if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
    }
    const tag = `${IMAGE_REPOSITORY}:${commit.slice(0, 12)}`;
    const common = [
      'build', '--network=host', '--format', 'docker', '--layers',
      '-f', join(clone, 'infra/container/Containerfile'),
      '--build-arg', `BASE_IMAGE=${baseImage}`, '--build-arg', `RUNTIME_IMAGE=${baseImage}`, '--build-arg', `SOURCE_COMMIT=${commit}`,
      ...(existsSync(HOST_CA_BUNDLE) ? ['--secret', `id=ca,src=${HOST_CA_BUNDLE}`] : []),
    ];
    // The dependency stage keeps a name of its own, so that pruning old layers spares it.
    await podmanOk([...common, '--target', 'dependencies', '-t', `${IMAGE_REPOSITORY}-dependencies:latest`, clone], { timeoutMs: 25 * 60_000 });
    await podmanOk([...common, '-t', tag, clone], { timeoutMs: 25 * 60_000 });
    await removeOldImages(tag);
    return { tag, commit, seconds: Math.round((Date.now() - started) / 1000) };
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
}

/** Images of earlier runs and the build layers nothing names any more (2 GB a build), once they are KEEP_HOURS old. */
async function removeOldImages(keep: string): Promise<void> {
  const listing = await podman(['images', '--filter', `reference=${IMAGE_REPOSITORY}`, '--format', '{{.Repository}}:{{.Tag}} {{.CreatedAt}}']);
  for (const line of listing.stdout.split('\n').filter(Boolean)) {
    // CreatedAt reads like "2026-12-06 10:39:23 +0000 UTC".
    const [name, day, time, offset] = line.split(' ');
    const age = Date.now() - new Date(`${day}T${time}${offset?.replace(/(\d\d)(\d\d)$/, '$1:$2')}`).getTime();
    if (name !== keep && age > KEEP_HOURS * 3_600_000) await podman(['rmi', name!]);
  }
  await podman(['image', 'prune', '--force', '--filter', `until=${KEEP_HOURS}h`]);
}

/** A name for this test run's containers and volumes. */
export function runPrefix(): string {
  return `cnx-infra-${process.pid}`;
}

export async function removeContainers(prefix: string): Promise<void> {
  const names = (await podman(['ps', '-a', '--filter', `name=^${prefix}`, '--format', '{{.Names}}'])).stdout.split('\n').filter(Boolean);
  if (names.length) await podman(['rm', '--force', '--volumes', '--time', '5', ...names]);
  const volumes = (await podman(['volume', 'ls', '--filter', `name=^${prefix}`, '--format', '{{.Name}}'])).stdout.split('\n').filter(Boolean);
  if (volumes.length) await podman(['volume', 'rm', '--force', ...volumes]);
}
