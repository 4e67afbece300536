import { existsSync, readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { configSchema, type Config } from './schema.ts';
import { ENV_OVERRIDES } from './env.ts';

/** A config problem, phrased for the operator: it names the option. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** explicit path (--config or CONEXIZAN_CONFIG); must exist */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.CONEXIZAN_CONFIG ?? (existsSync('conexizan.toml') ? 'conexizan.toml' : undefined);
  let raw: Record<string, unknown> = {};
  if (file) {
    if (!existsSync(file)) throw new ConfigError(`config file ${file} does not exist`);
    try {
      raw = parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`config file ${file} is not valid TOML: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  applyEnv(raw, env);
  // The schema's objects are strict: a typo in a config file is an error, not an option silently ignored.
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') throw new ConfigError(`unknown option ${[...issue.path, issue.keys[0]].join('.')}`);
    const option = issue.path.join('.') || '(top level)';
    const envName = Object.entries(ENV_OVERRIDES).find(([, o]) => o.path.join('.') === option)?.[0];
    throw new ConfigError(`invalid option ${option}${envName ? ` (or ${envName})` : ''}: ${issue.message}`);
  }
  return result.data;
}

function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [name, { path, kind }] of Object.entries(ENV_OVERRIDES)) {
    const value = envValue(name, env);
    if (value === undefined) continue;
    let parsed: unknown = value;
    if (kind === 'number') {
      parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      if (Number.isNaN(parsed)) throw new ConfigError(`invalid option ${path.join('.')} (${name}): expected a whole number, got "${value}"`);
    } else if (kind === 'list') {
      parsed = value.split(',').map((item) => item.trim()).filter((item) => item !== '');
    } else if (kind === 'boolean') {
      if (!['true', 'false', '1', '0'].includes(value)) throw new ConfigError(`invalid option ${path.join('.')} (${name}): expected true or false`);
      parsed = value === 'true' || value === '1';
    }
    let cursor = raw;
    for (const key of path.slice(0, -1)) {
      if (typeof cursor[key] !== 'object' || cursor[key] === null) cursor[key] = {};
      cursor = cursor[key] as Record<string, unknown>;
    }
    cursor[path.at(-1)!] = parsed;
  }
}

/**
 * The value of NAME, or of the file NAME_FILE names: the way container
 * platforms hand secrets over (Docker and Compose secrets, Kubernetes Secret
 * volumes), so a secret need not sit in the environment. A variable set to
 * the empty string counts as set: the option becomes empty, which options
 * such as the domain refuse. A named file that cannot be read is an error,
 * never a silent fallback to the default.
 */
function envValue(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const fileVariable = `${name}_FILE`;
  const file = env[fileVariable];
  if (file === undefined) return env[name];
  if (env[name] !== undefined) throw new ConfigError(`${name} and ${fileVariable} are both set; set one of them`);
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (is the secret mounted?)' : (error as Error).message;
    throw new ConfigError(`${fileVariable}: cannot read ${file}: ${reason}`);
  }
  // `echo secret > file` leaves a line break that is not part of the secret.
  const value = content.replace(/[\r\n]+$/, '');
  if (value === '') throw new ConfigError(`${fileVariable}: ${file} is empty`);
  return value;
}
