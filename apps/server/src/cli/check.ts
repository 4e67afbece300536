import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { prepDomainpart } from '@conexizan/protocol';
import { openStorage } from '@conexizan/storage';
import { ClusterKeys, clusterNodeId } from '../cluster/keys.ts';
import { connectRedis, redisTarget } from '../cluster/redis.ts';
import type { Config } from '../config/schema.ts';
import { federationDnsReport, systemAddressLookup } from '../s2s/dns-report.ts';
import { systemSrvLookup } from '../s2s/resolver.ts';
import { loadCertificate } from '../tls/certificates.ts';

/** `conexizan check`, in the spirit of `prosodyctl check`: one line per finding, exit 1 on any problem. */
export async function runCheck(config: Config): Promise<number> {
  let problems = 0;
  const ok = (text: string) => process.stdout.write(`ok       ${text}\n`);
  const problem = (text: string) => {
    problems++;
    process.stdout.write(`PROBLEM  ${text}\n`);
  };
  const note = (text: string) => process.stdout.write(`note     ${text}\n`);

  let domain = config.domain;
  try {
    domain = prepDomainpart(config.domain);
    ok(`config: domain ${domain}, registration ${config.registration}`);
  } catch (error) {
    problem(`config: domain "${config.domain}" is not a valid XMPP domain: ${(error as Error).message}`);
  }

  const dataDir = resolve(config.data_dir);
  try {
    const certificate = await loadCertificate({ cert: config.tls.cert, key: config.tls.key, dataDir, domain });
    const days = Math.floor((certificate.notAfter.getTime() - Date.now()) / 86_400_000);
    if (days < 0) problem(`certificate ${certificate.path.cert} expired ${-days} days ago`);
    else if (days < 14) problem(`certificate ${certificate.path.cert} expires in ${days} days`);
    else ok(`certificate ${certificate.path.cert} valid for ${days} more days`);
    if (!certificate.subjectAltNames.split(/,\s*/).some((name) => name === `DNS:${domain}`)) problem(`certificate does not name ${domain} (${certificate.subjectAltNames || 'no subjectAltName'})`);
    if (certificate.selfSigned) note('the certificate is self-signed: clients will ask their users to trust it; configure tls.cert and tls.key for production');
  } catch (error) {
    problem(`certificate: ${(error as Error).message}`);
  }

  try {
    const storage = await openStorage({ url: config.database_url || undefined, dataDir });
    await storage.ping();
    ok(`database (${storage.kind}) reachable, ${await storage.accounts.count()} accounts`);
    await storage.close();
  } catch (error) {
    problem(`database: ${(error as Error).message.split('\n')[0]}`);
  }

  if (config.cluster.redis_url) {
    const problemText = await checkCluster(config, domain);
    if (problemText.ok) ok(problemText.text);
    else problem(problemText.text);
  }

  for (const [name, port] of Object.entries(config.ports)) {
    if (port === 0) {
      note(`${name} listener is off (port 0)`);
      continue;
    }
    const free = await portFree(config.bind, port);
    if (free) ok(`${name} port ${config.bind}:${port} is free`);
    else note(`${name} port ${config.bind}:${port} is in use (fine if conexizan is running)`);
  }
  for (const line of await federationDnsReport(domain, config.ports, systemSrvLookup(), systemAddressLookup)) {
    if (line.level === 'ok') ok(line.text);
    else if (line.level === 'note') note(line.text);
    else problem(line.text);
  }
  process.stdout.write(problems ? `${problems} problem(s) found\n` : 'all checks passed\n');
  return problems ? 1 : 0;
}

/** Cluster mode: Redis answers with the password given, and which nodes hold their lease. */
async function checkCluster(config: Config, domain: string): Promise<{ ok: boolean; text: string }> {
  const target = redisTarget(config.cluster.redis_url);
  try {
    const redis = await connectRedis(config.cluster.redis_url, { name: 'conexizan:check' });
    try {
      const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown version';
      const [seconds] = await redis.time();
      const alive = await redis.zrangebyscore(new ClusterKeys(domain).nodes, Number(seconds) * 1000, '+inf');
      const nodeId = clusterNodeId(config);
      const others = alive.filter((node) => node !== nodeId);
      const running = alive.includes(nodeId) ? `, and a node named ${nodeId} is running (this one, or another with the same cluster.node_id)` : '';
      return { ok: true, text: `cluster: Redis ${version} at ${target} reachable; node id ${nodeId}; ${others.length} other node(s) alive${others.length ? ` (${others.join(', ')})` : ''}${running}` };
    } finally {
      redis.disconnect();
    }
  } catch (error) {
    return { ok: false, text: `cluster: ${(error as Error).message}` };
  }
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, host, () => server.close(() => resolvePort(true)));
  });
}
