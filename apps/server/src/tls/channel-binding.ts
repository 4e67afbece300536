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
  if (serverEndPoint(socket)) types.push('tls-server-end-point');
  return types;
}

export function channelBinding(socket: TLSSocket, type: string): Uint8Array | null {
  if (type === 'tls-exporter') {
    if (socket.getProtocol() !== 'TLSv1.3') return null;
    return new Uint8Array(socket.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)));
  }
  if (type === 'tls-server-end-point') return serverEndPoint(socket);
  return null;
}

/**
 * The tls-server-end-point data of each connection, worked out once: our
 * certificate as the socket reports it is a new object (parsed from the
 * TLS library) at every getCertificate(), ~0.1 ms, and a login asks several
 * times (stream features, the SCRAM exchange). null: none can be given.
 */
const endPoints = new WeakMap<TLSSocket, Uint8Array | null>();

function serverEndPoint(socket: TLSSocket): Uint8Array | null {
  const known = endPoints.get(socket);
  if (known !== undefined) return known;
  let data: Uint8Array | null = null;
  const certificate = socket.getCertificate();
  if (certificate && 'raw' in certificate) {
    try {
      const hash = serverEndPointHashName(new Uint8Array(certificate.raw));
      data = new Uint8Array(createHash(hash).update(certificate.raw).digest());
    } catch {
      data = null;
    }
  }
  endPoints.set(socket, data);
  return data;
}
