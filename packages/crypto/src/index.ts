export * from './bytes.ts';
export * from './saslprep.ts';
export * from './scram.ts';
