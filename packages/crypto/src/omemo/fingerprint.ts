/**
 * A device's fingerprint as Conversations, Monal, Gajim and python-omemo show
 * it: the 32-byte Curve25519 identity key (without the 0x05 type byte) in
 * lowercase hex, eight groups of eight characters separated by spaces.
 */
export function formatFingerprint(identityKey: Uint8Array): string {
  const raw = identityKey.length === 33 && identityKey[0] === 0x05 ? identityKey.subarray(1) : identityKey;
  if (raw.length !== 32) throw new TypeError('an identity key has 32 bytes (33 with its type byte)');
  const hex = [...raw].map((b) => b.toString(16).padStart(2, '0')).join('');
  return hex.match(/.{8}/g)!.join(' ');
}
