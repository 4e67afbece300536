import { createHash } from 'node:crypto';
import { NS, xml, type Element } from '@conexizan/protocol';

/**
 * One avatar, two shapes: XEP-0084 (a data node and a metadata node, items
 * named by the SHA-1 of the image) and XEP-0054/0153 (PHOTO in the vCard,
 * its SHA-1 in presence). Both hashes are the hex SHA-1 of the image bytes.
 */

export interface Avatar {
  /** hex SHA-1 of the bytes */
  id: string;
  type: string;
  /** base64 */
  base64: string;
  bytes: number;
}

export function avatarFromBase64(base64: string, type: string): Avatar | null {
  const clean = base64.replace(/\s+/g, '');
  if (!clean || !/^[A-Za-z0-9+/]+={0,2}$/.test(clean)) return null;
  const data = Buffer.from(clean, 'base64');
  if (data.length === 0) return null;
  return { id: createHash('sha1').update(data).digest('hex'), type: type || 'image/png', base64: data.toString('base64'), bytes: data.length };
}

/** The vCard's PHOTO as an avatar; null if it has none (or only an EXTVAL link). */
export function photoOf(vcard: Element): Avatar | null {
  const photo = vcard.getChild('PHOTO');
  const binval = photo?.getChildText('BINVAL');
  return binval ? avatarFromBase64(binval, photo!.getChildText('TYPE') ?? '') : null;
}

/** A copy of the vCard whose PHOTO is this avatar (or none). */
export function withPhoto(vcard: Element, avatar: Avatar | null): Element {
  const copy = xml('vCard', { xmlns: NS.VCARD }, ...vcard.getChildElements().filter((child) => child.name !== 'PHOTO'));
  if (avatar) copy.append(xml('PHOTO', {}, xml('TYPE', {}, avatar.type), xml('BINVAL', {}, avatar.base64)));
  return copy;
}

export const dataPayload = (avatar: Avatar) => xml('data', { xmlns: NS.AVATAR_DATA }, avatar.base64);

export const metadataPayload = (avatar: Avatar | null) =>
  xml('metadata', { xmlns: NS.AVATAR_METADATA }, avatar ? xml('info', { id: avatar.id, type: avatar.type, bytes: String(avatar.bytes) }) : undefined);
