// Entry of a client worker thread: the worker is TypeScript, run through tsx
// as the rest of the bench is (loader hooks from --import do not reach
// worker threads in Node 20, so the worker registers tsx itself).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
