#!/usr/bin/env node
// The `conexizan` command. The workspace packages are TypeScript sources
// ("just-in-time" packages), so the command runs them through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
