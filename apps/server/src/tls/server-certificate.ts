import type { SecureContext, SecureContextOptions } from 'node:tls';
import { loadCertificate, secureContextFor, tlsOptionsFor, type CertificateInfo } from './certificates.ts';

/** Where the certificate comes from: tls.cert and tls.key, or (both empty) the self-signed one in the data directory. */
export interface CertificateSource {
  cert: string;
  key: string;
  dataDir: string;
  domain: string;
}

/**
 * The certificate every TLS listener presents (c2s STARTTLS and direct
 * TLS, HTTPS, s2s both ways), replaceable while the server runs. After a
 * renewal (certbot, Caddy, cert-manager) `reload()` reads the files again:
 * TLS connections made from then on get the new certificate, connections
 * already encrypted keep the one they started with. A pair that does not
 * load (a missing file, a key that does not match its certificate, a file
 * caught half-written) throws and leaves the current one in place.
 */
export class ServerCertificate {
  #info: CertificateInfo;
  #context: SecureContext;
  readonly #listeners = new Set<(certificate: ServerCertificate) => void>();

  private constructor(info: CertificateInfo, context: SecureContext) {
    this.#info = info;
    this.#context = context;
  }

  static async load(source: CertificateSource): Promise<ServerCertificate> {
    const info = await loadCertificate(source);
    return new ServerCertificate(info, secureContextFor(info));
  }

  get info(): CertificateInfo {
    return this.#info;
  }

  /** For TLS sockets made one by one (STARTTLS, direct TLS, SNI). */
  get context(): SecureContext {
    return this.#context;
  }

  /** Certificate, key and protocol versions, for tls.Server options and setSecureContext(). */
  get options(): SecureContextOptions {
    return tlsOptionsFor(this.#info);
  }

  /** `listener` runs after each reload that changed the certificate (e.g. a tls.Server's setSecureContext). */
  onChange(listener: (certificate: ServerCertificate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads the certificate again; whether it changed. */
  async reload(source: CertificateSource): Promise<boolean> {
    const info = await loadCertificate(source);
    if (info.cert === this.#info.cert && info.key === this.#info.key) return false;
    // Throws for a key that does not match the certificate, before anything is replaced.
    const context = secureContextFor(info);
    this.#info = info;
    this.#context = context;
    for (const listener of this.#listeners) listener(this);
    return true;
  }
}
