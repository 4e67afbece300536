import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * One self-signed certificate for every server of a comparison (EC P-256, as
 * Conexizan makes for itself), so that the TLS handshakes cost the same.
 * Made with openssl(1), which every Debian machine has.
 */
export function makeCertificate(dir: string, domain: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, `${domain}.crt`);
  const keyFile = join(dir, `${domain}.key`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '7', '-subj', `/CN=${domain}`, '-addext', `subjectAltName=DNS:${domain}`],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}
