#!/usr/bin/env node
// Runs openfc's TypeScript sources directly: tsx compiles them on load.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
