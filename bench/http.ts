// npm run bench:http: edgeflake's /generate against bare node:http, one run, ratios printed.
// `-- --record` writes the figures into docs/BENCHMARKS.md; without it they are only printed.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { freePort } from "../scripts/lib/free-port.ts";
import { nodeEntrySpec } from "../scripts/lib/node-entry.ts";
import { type ManagedProcess, spawnProcess } from "../scripts/lib/process-harness.ts";
import { median } from "../scripts/lib/stats.ts";
import { machineLine, table, writeSection } from "./report.ts";

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
// Single requests against bare node:http, paired: short windows back to back, one ratio per pair.
const PAIRS = Number(process.env.BENCH_PAIRS ?? 8);
const PAIR_S = 3;
const CONNECTIONS = 50;
const CLOCK_TICKS_PER_S = 100; // Linux USER_HZ
const CAP_PER_S = 4096 * 1000; // one classic worker ID: 4,096 IDs per 1 ms tick
// Servers on the last CPU, autocannon (this process) on the others: without it the two fight for
// the same cores, and a server's loop delay measures the scheduler more than the server.
const PIN = process.env.BENCH_PIN !== "0" && availableParallelism() >= 2;
const SERVER_CPU = availableParallelism() - 1;

/** Pins every thread of `pid` to `cpus` (taskset, util-linux). */
function pin(pid: number, cpus: string): void {
  execFileSync("taskset", ["--all-tasks", "--cpu-list", "--pid", cpus, String(pid)], {
    stdio: "ignore",
  });
}

interface Server {
  url: string;
  proc: ManagedProcess;
  readyMs: number;
}

/**
 * `entry` (edgeflake's Node entry or the bare server) on the process harness under
 * bench/loop-delay.ts, so every server reports its event-loop delay; once it listens.
 */
async function start(entry: string, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const wrapper = fileURLToPath(new URL("./loop-delay.ts", import.meta.url));
  const proc = spawnProcess({ ...nodeEntrySpec(env, port), args: [wrapper, entry] });
  if (PIN) pin(proc.pid, String(SERVER_CPU));
  await proc.waitForLog((log) => log.msg === "listening");
  return { url: `http://127.0.0.1:${port}`, proc, readyMs: performance.now() - proc.spawnedAt };
}

/** CPU seconds (user + system) the process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

/** The server's event-loop delay since the last call (bench/loop-delay.ts). */
async function loopDelay(server: Server): Promise<{ p99: number; max: number }> {
  // Only a line printed after this signal (waitForLog would also match an earlier one).
  let unsubscribe: () => unknown = () => undefined;
  const line = new Promise<{ p99: number; max: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no loop-delay line from the server")), 5_000);
    unsubscribe = server.proc.onLog((log) => {
      if (log.msg !== "loop-delay") return;
      clearTimeout(timer);
      resolve(log as unknown as { p99: number; max: number });
    });
  });
  server.proc.signal("SIGUSR2");
  return line.finally(unsubscribe);
}

interface Case {
  name: string;
  server: Server;
  path: string;
  text?: boolean;
  ids: number;
}
interface Result {
  rps: number;
  p99: number;
  cpuUsPerRequest: number;
  errors: number;
  loopP99: number;
}

async function load(c: Case, seconds: number): Promise<Result> {
  const pid = c.server.proc.pid;
  await loopDelay(c.server); // reset
  const cpuBefore = cpuSeconds(pid);
  const headers: Record<string, string> = c.text ? { accept: "text/plain" } : {};
  const result = await autocannon({
    url: c.server.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ path: c.path, headers }],
  });
  const cpu = cpuSeconds(pid) - cpuBefore;
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    cpuUsPerRequest: (cpu * 1e6) / Math.max(1, result.requests.total),
    errors: result.errors + result.non2xx + result.timeouts,
    loopP99: (await loopDelay(c.server)).p99,
  };
}

const loadBefore = loadavg();
if (PIN) pin(process.pid, `0-${SERVER_CPU - 1}`);
const bare = await start("./bare-server.ts", {});
const edgeflake = await start("../src/targets/node.ts", { WORKER_ID: "1", LOG_LEVEL: "info" });
const cases: Case[] = [
  { name: "bare node:http", server: bare, path: "/", ids: 1 },
  { name: "/generate", server: edgeflake, path: "/generate", ids: 1 },
  { name: "/generate?count=1000", server: edgeflake, path: "/generate?count=1000", ids: 1000 },
  {
    name: "count=1000, text/plain",
    server: edgeflake,
    path: "/generate?count=1000",
    text: true,
    ids: 1000,
  },
  { name: "/generate?count=10000", server: edgeflake, path: "/generate?count=10000", ids: 10000 },
  {
    name: "count=10000, text/plain",
    server: edgeflake,
    path: "/generate?count=10000",
    text: true,
    ids: 10000,
  },
];

for (const c of cases) await load(c, 2); // warm-up
const results = new Map<string, Result[]>();
for (let round = 0; round < ROUNDS; round++) {
  // Alternate the order so drift in the machine's load does not favour one case.
  for (const c of round % 2 === 0 ? cases : [...cases].reverse()) {
    const r = await load(c, DURATION_S);
    results.set(c.name, [...(results.get(c.name) ?? []), r]);
    console.error(
      `${c.name}: ${Math.round(r.rps)} req/s, p99 ${r.p99} ms, ${r.cpuUsPerRequest.toFixed(1)} µs CPU/req, loop p99 ${r.loopP99} ms, errors ${r.errors}`,
    );
  }
}
// The two single-request cases once more as pairs of short windows, alternating which goes first:
// drift in the machine's speed between windows then moves both halves of a pair alike.
const [bareCase, singleCase] = cases as [Case, Case];
const pairs: { cpu: number; rps: number }[] = [];
for (let pair = 0; pair < PAIRS; pair++) {
  const window = new Map<Case, Result>();
  for (const c of pair % 2 === 0 ? [bareCase, singleCase] : [singleCase, bareCase]) {
    window.set(c, await load(c, PAIR_S));
  }
  const [b, s] = [window.get(bareCase) as Result, window.get(singleCase) as Result];
  pairs.push({ cpu: s.cpuUsPerRequest / b.cpuUsPerRequest, rps: s.rps / b.rps });
}
bare.proc.signal("SIGKILL");
edgeflake.proc.signal("SIGKILL");
const loadAfter = loadavg();

function mean(name: string, key: keyof Result): number {
  const list = results.get(name) ?? [];
  return list.reduce((sum, r) => sum + r[key], 0) / Math.max(1, list.length);
}
const baseRps = mean("bare node:http", "rps");
const baseCpu = mean("bare node:http", "cpuUsPerRequest");
const rows = cases.map(({ name, ids }) => {
  const rps = mean(name, "rps");
  const cpu = mean(name, "cpuUsPerRequest");
  const loop = mean(name, "loopP99");
  return [
    name,
    Math.round(rps).toLocaleString("en"),
    `${(rps / baseRps).toFixed(2)}x`,
    `${mean(name, "p99").toFixed(1)} ms`,
    cpu.toFixed(1),
    `${(cpu / baseCpu).toFixed(2)}x`,
    `${((rps * ids) / 1e6).toFixed(2)}M`,
    ids > 1 ? `${((rps * ids * 100) / CAP_PER_S).toFixed(1)}%` : "-",
    ids > 1 ? `${(ids / cpu).toFixed(2)}M` : "-",
    `${loop.toFixed(2)} ms`,
    mean(name, "errors"),
  ];
});
const la = (l: number[]) => l.map((v) => v.toFixed(2)).join(" ");
const ratios = (list: number[]) =>
  `${median(list).toFixed(2)}x (${Math.min(...list).toFixed(2)}-${Math.max(...list).toFixed(2)})`;
const pinning = PIN
  ? `the servers pinned to CPU ${SERVER_CPU} and the benchmark to the others (\`taskset\`; \`BENCH_PIN=0\` leaves both to the scheduler)`
  : "nothing pinned";
const markdown = `## HTTP (\`npm run bench:http\`)

${machineLine()}; load average ${la(loadBefore)} before, ${la(loadAfter)} after. autocannon in the
benchmark process, ${pinning}, ${CONNECTIONS} connections, ${DURATION_S} s per case after a 2 s warm-up, ${ROUNDS} rounds in
alternating order, means shown. Server CPU per request comes from /proc (user + system time of the
server process over the window): steadier than req/s on a 2-core machine where the load generator
competes for CPU. The cap is one classic worker ID's 4,096 IDs per ms. IDs per server CPU-second
is what the server's own CPU time bought (waiting turns included): a ceiling for a core of its own. Loop delay is the server's
p99 event-loop delay (\`monitorEventLoopDelay\`, 1 ms resolution) during the case, bare node:http's
included (on a loaded machine it shows how late the OS runs the process at all). Start-to-listening
of the Node target (static worker ID): ${Math.round(edgeflake.readyMs)} ms (bare node:http: ${Math.round(bare.readyMs)} ms).

${table(["case", "req/s", "vs bare", "p99", "server CPU µs/req", "vs bare", "IDs/s", "% of cap", "IDs per server CPU-s", "loop delay p99", "errors"], rows)}

Single \`/generate\` against bare node:http in ${pairs.length} pairs of ${PAIR_S} s windows back to back
(which goes first alternates), one ratio per pair: server CPU per request ${ratios(pairs.map((p) => p.cpu))},
req/s ${ratios(pairs.map((p) => p.rps))} (median, and lowest to highest in brackets).`;
console.log(markdown);
writeSection("http", markdown); // only with --record
