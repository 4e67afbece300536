import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCertificate, type CertificateInfo } from './certificates.ts';
import { ServerCertificate } from './server-certificate.ts';

const dir = mkdtempSync(join(tmpdir(), 'conexizan-server-certificate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two different self-signed pairs, made the way the server makes its own. */
const pairs = Promise.all(['a', 'b'].map((name) => loadCertificate({ cert: '', key: '', dataDir: join(dir, name), domain: 'localhost' })));
const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key'), dataDir: dir, domain: 'localhost' };
const install = (cert: CertificateInfo, key: CertificateInfo) => {
  copyFileSync(cert.path.cert, live.cert);
  copyFileSync(key.path.key, live.key);
};

describe('ServerCertificate', () => {
  it('reads the files again on reload: a new pair replaces the old and is announced; the same pair changes nothing', async () => {
    const [a, b] = (await pairs) as [CertificateInfo, CertificateInfo];
    install(a, a);
    const certificate = await ServerCertificate.load(live);
    const announced: string[] = [];
    certificate.onChange((current) => announced.push(current.info.cert));
    const before = certificate.context;

    expect(await certificate.reload(live)).toBe(false);
    expect(announced).toEqual([]);

    install(b, b);
    expect(await certificate.reload(live)).toBe(true);
    expect(certificate.info.cert).toBe(b.cert);
    expect(certificate.options).toMatchObject({ cert: b.cert, key: b.key, minVersion: 'TLSv1.2' });
    expect(certificate.context).not.toBe(before);
    expect(announced).toEqual([b.cert]);
  });

  it('keeps the current pair when the new one does not load: a key that does not match, a missing file', async () => {
    const [a, b] = (await pairs) as [CertificateInfo, CertificateInfo];
    install(a, a);
    const certificate = await ServerCertificate.load(live);
    const announced: string[] = [];
    certificate.onChange((current) => announced.push(current.info.cert));

    install(b, a);
    await expect(certificate.reload(live)).rejects.toThrow();
    await expect(certificate.reload({ ...live, key: join(dir, 'missing.key') })).rejects.toThrow();
    expect(certificate.info.cert).toBe(a.cert);
    expect(announced).toEqual([]);
  });
});
