export * from './types.ts';
export { openStorage } from './open-storage.ts';
