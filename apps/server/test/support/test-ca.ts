import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A throwaway certificate authority for federation tests, made with the
 * openssl command: servers that trust it (s2s.ca_file) authenticate each
 * other by certificate (PKIX, SASL EXTERNAL per XEP-0178) instead of
 * dialback. Each issued certificate names its domain and subdomains and may
 * serve as TLS server and client certificate, as XMPP servers need.
 */
export interface TestCa {
  /** PEM file of the CA certificate */
  caFile: string;
  /** issues a certificate for `domain`; returns the PEM file paths and contents */
  issue(domain: string): { certFile: string; keyFile: string; cert: string; key: string };
}

export function makeTestCa(dir: string): TestCa {
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.crt');
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey, '-out', caFile, '-days', '30',
    '-subj', '/CN=Conexizan test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return {
    caFile,
    issue(domain) {
      const keyFile = join(dir, `${domain}.key`);
      const csr = join(dir, `${domain}.csr`);
      const certFile = join(dir, `${domain}.crt`);
      const extensions = join(dir, `${domain}.ext`);
      writeFileSync(extensions, `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:${domain},DNS:*.${domain}\n`);
      openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', `/CN=${domain}`]);
      openssl(['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile, '-days', '30', '-extfile', extensions]);
      return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
    },
  };
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}
