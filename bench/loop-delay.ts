// A server entry (argv[2], relative to this file) with an event-loop delay histogram, for
// `npm run bench:http`: SIGUSR2 prints the histogram since the previous SIGUSR2 as one JSON line
// on stdout, then resets it.
import { monitorEventLoopDelay } from "node:perf_hooks";

const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
process.on("SIGUSR2", () => {
  const ms = (ns: number) => Number((ns / 1e6).toFixed(3));
  const line = {
    msg: "loop-delay",
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  histogram.reset();
});
await import(new URL(process.argv[2] ?? "../src/targets/node.ts", import.meta.url).href);
