import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

/**
 * The server's certificate: the configured one, or a self-signed one made
 * on first start and kept in the data directory (so clients that pinned it
 * keep working across restarts). TLS 1.2 and 1.3 only.
 */
export interface CertificateInfo {
  cert: string;
  key: string;
  selfSigned: boolean;
  path: { cert: string; key: string };
  notAfter: Date;
  subjectAltNames: string;
}

export async function loadCertificate(options: { cert: string; key: string; dataDir: string; domain: string }): Promise<CertificateInfo> {
  if (options.cert || options.key) {
    if (!options.cert || !options.key) throw new Error('tls.cert and tls.key must be set together');
    return describe(readFileSync(options.cert, 'utf8'), readFileSync(options.key, 'utf8'), false, { cert: options.cert, key: options.key });
  }
  const dir = join(options.dataDir, 'tls');
  const certPath = join(dir, `${options.domain}.crt`);
  const keyPath = join(dir, `${options.domain}.key`);
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const generated = await generate([{ name: 'commonName', value: options.domain }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 5 * 365 * 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: options.domain },
            { type: 2, value: `*.${options.domain}` },
          ],
        },
      ],
    });
    writeFileSync(keyPath, generated.private, { mode: 0o600 });
    writeFileSync(certPath, generated.cert, { mode: 0o644 });
  }
  return describe(readFileSync(certPath, 'utf8'), readFileSync(keyPath, 'utf8'), true, { cert: certPath, key: keyPath });
}

function describe(cert: string, key: string, selfSigned: boolean, path: { cert: string; key: string }): CertificateInfo {
  const x509 = new X509Certificate(cert);
  return { cert, key, selfSigned, path, notAfter: new Date(x509.validTo), subjectAltNames: x509.subjectAltName ?? '' };
}

/** TLS 1.2 and 1.3 only. */
export function tlsOptionsFor(certificate: CertificateInfo): SecureContextOptions {
  return { cert: certificate.cert, key: certificate.key, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' };
}

export function secureContextFor(certificate: CertificateInfo): SecureContext {
  return createSecureContext(tlsOptionsFor(certificate));
}
