import { checkServerIdentity, rootCertificates, type TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';

/**
 * PKIX for server-to-server streams (RFC 6120 §13.7.2, RFC 6125): a peer is
 * authenticated by its certificate when the chain verifies against the
 * trusted roots and the certificate names the domain. Anything less (a
 * self-signed certificate, a name mismatch) leaves dialback to decide.
 */
export function certificateValidFor(socket: TLSSocket | null, domain: string): boolean {
  if (!socket || !socket.authorized) return false;
  const certificate = socket.getPeerCertificate();
  if (!certificate || Object.keys(certificate).length === 0) return false;
  return checkServerIdentity(domain, certificate) === undefined;
}

/** The system's roots plus the operator's extra CA file (s2s.ca_file), for both directions. */
export function trustedRoots(caFile: string): string[] {
  const roots = [...rootCertificates];
  if (caFile) roots.push(readFileSync(caFile, 'utf8'));
  return roots;
}
