#!/usr/bin/env -S node --max-semi-space-size=32
// Young generation of 32 MB instead of Node's 16: the delivery stage allocates a message, its body and its
// request per send, and scavenges were about a sixth of its time. CPU per delivery of the delivery stage
// alone (bench/pipeline.ts 20000 --replay): 230-247 us with the default, 195-209 us with 32 or 64 MB.
// Runs the TypeScript sources directly, so `npm ci` is the whole install.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
