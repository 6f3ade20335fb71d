#!/usr/bin/env node
// The `edgeflake` bin: run.ts on this process's arguments, streams and environment.
import { main } from "./run.ts";

process.exitCode = await main(
  process.argv.slice(2),
  (text) => process.stdout.write(`${text}\n`),
  (text) => process.stderr.write(`${text}\n`),
  process.env,
);
