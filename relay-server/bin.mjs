#!/usr/bin/env node
// The relay's command line: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { runRelayCli } = await import('./src/cli.ts');
process.exitCode = await runRelayCli(process.argv.slice(2));
