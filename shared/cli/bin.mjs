#!/usr/bin/env node
// The `phone-connector` bin: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { runConnectorCli } = await import('./connector.ts');
process.exitCode = await runConnectorCli(process.argv.slice(2));
