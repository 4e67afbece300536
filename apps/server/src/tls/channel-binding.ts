import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { serverEndPointHashName } from './signature-hash.ts';

/**
 * Channel binding data for SCRAM-*-PLUS (RFC 5802 §6):
 * tls-exporter (RFC 9266, TLS 1.3 only here, since TLS 1.2 needs the
 * extended master secret which Node does not report) and
 * tls-server-end-point (RFC 5929 §4.1: hash of our certificate with the
 * certificate's own signature hash, SHA-256 where that is MD5 or SHA-1).
 */
export function channelBindingTypes(socket: TLSSocket): string[] {
  const types: string[] = [];
  if (socket.getProtocol() === 'TLSv1.3') types.push('tls-exporter');
  if (serverEndPointHash(socket)) types.push('tls-server-end-point');
  return types;
}

export function channelBinding(socket: TLSSocket, type: string): Uint8Array | null {
  if (type === 'tls-exporter') {
    if (socket.getProtocol() !== 'TLSv1.3') return null;
    return new Uint8Array(socket.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)));
  }
  if (type === 'tls-server-end-point') {
    const raw = socket.getCertificate();
    const der = raw && 'raw' in raw ? raw.raw : null;
    const hash = serverEndPointHash(socket);
    if (!der || !hash) return null;
    return new Uint8Array(createHash(hash).update(der).digest());
  }
  return null;
}

const hashByCertificate = new WeakMap<object, string | null>();

function serverEndPointHash(socket: TLSSocket): string | null {
  const certificate = socket.getCertificate();
  if (!certificate || !('raw' in certificate)) return null;
  const cached = hashByCertificate.get(certificate.raw);
  if (cached !== undefined) return cached;
  let hash: string | null;
  try {
    hash = serverEndPointHashName(new Uint8Array(certificate.raw));
  } catch {
    hash = null;
  }
  hashByCertificate.set(certificate.raw, hash);
  return hash;
}
