// First: it notes the process listeners before libsignal is loaded (see process-guard.ts).
import { dropLibraryProcessListeners } from './process-guard.ts';

export * from './account.ts';
export * from './errors.ts';
export * from './fingerprint.ts';
export * from './store.ts';
export type { TrustLevel, MessageSecurity } from './trust.ts';
export { DEVICE_LIST_NODE, bundleNode, buildDeviceList, parseDeviceList, parseBundle, buildOmemoMessage, isEmptyOmemoMessage, OMEMO_FALLBACK_BODY, MAX_DEVICES } from './xml.ts';
export * from './media.ts';
export * from './pep.ts';
export { checkOmemoStore } from './store-contract.ts';
export * from './incoming.ts';
export { DEVICES_NODE_2, BUNDLES_NODE_2, buildDevices2, parseDevices2, isEmptyOmemo2Message, type Device2 } from './v2/xml.ts';

dropLibraryProcessListeners();
