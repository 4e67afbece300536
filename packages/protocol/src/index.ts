export * from './xml.ts';
export * from './namespaces.ts';
export * from './errors.ts';
export * from './precis.ts';
export * from './jid.ts';
