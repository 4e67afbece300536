export * from './code.ts';
export * from './file.ts';
