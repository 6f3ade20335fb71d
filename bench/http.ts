// npm run bench:http: edgeflake's HTTP routes against bare node:http, one run, ratios printed.
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { freePort } from "../scripts/lib/free-port.ts";
import { nodeEntrySpec } from "../scripts/lib/node-entry.ts";
import { spawnProcess } from "../scripts/lib/process-harness.ts";
import { machineLine, table, writeSection } from "./report.ts";

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = 50;
const CLOCK_TICKS_PER_S = 100; // Linux USER_HZ

interface Server {
  url: string;
  child: ChildProcess;
  readyMs: number;
}

/** `entry` (edgeflake's Node entry or the bare server) on the process harness, once it listens. */
async function start(entry: string, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const args = [fileURLToPath(new URL(entry, import.meta.url))];
  const server = spawnProcess({ ...nodeEntrySpec(env, port), args });
  await server.waitForLog((log) => log.msg === "listening");
  const readyMs = performance.now() - server.spawnedAt;
  return { url: `http://127.0.0.1:${port}`, child: server.child, readyMs };
}

/** CPU seconds (user + system) the process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

interface Result {
  requests: number;
  rps: number;
  p99: number;
  cpuUsPerRequest: number;
  errors: number;
}

async function load(server: Server, path: string, seconds: number): Promise<Result> {
  const pid = server.child.pid as number;
  const cpuBefore = cpuSeconds(pid);
  const result = await autocannon({
    url: server.url + path,
    connections: CONNECTIONS,
    duration: seconds,
  });
  const cpu = cpuSeconds(pid) - cpuBefore;
  const requests = result.requests.total;
  return {
    requests,
    rps: result.requests.average,
    p99: result.latency.p99,
    cpuUsPerRequest: (cpu * 1e6) / Math.max(1, requests),
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

const bare = await start("./bare-server.ts", {});
const edgeflake = await start("../src/targets/node.ts", { WORKER_ID: "1" });
const cases: [string, Server, string][] = [
  ["bare node:http", bare, "/"],
  ["edgeflake /generate", edgeflake, "/generate"],
  ["edgeflake /generate?count=1000", edgeflake, "/generate?count=1000"],
];

for (const [, server, path] of cases) await load(server, path, 2); // warm-up
const results = new Map<string, Result[]>();
for (let round = 0; round < ROUNDS; round++) {
  // Alternate the order so drift in the machine's load does not favour one case.
  const order = round % 2 === 0 ? cases : [...cases].reverse();
  for (const [name, server, path] of order) {
    const result = await load(server, path, DURATION_S);
    results.set(name, [...(results.get(name) ?? []), result]);
    console.error(
      `${name}: ${Math.round(result.rps)} req/s, p99 ${result.p99} ms, ${result.cpuUsPerRequest.toFixed(1)} us CPU/req`,
    );
  }
}
bare.child.kill("SIGKILL");
edgeflake.child.kill("SIGKILL");

function mean(name: string, key: keyof Result): number {
  const list = results.get(name) ?? [];
  return list.reduce((sum, r) => sum + r[key], 0) / Math.max(1, list.length);
}
const baseRps = mean("bare node:http", "rps");
const baseCpu = mean("bare node:http", "cpuUsPerRequest");
const rows = cases.map(([name, , path]) => {
  const rps = mean(name, "rps");
  const cpu = mean(name, "cpuUsPerRequest");
  const idsPerRequest = path.includes("count=1000") ? 1000 : 1;
  return [
    name,
    Math.round(rps).toLocaleString("en"),
    `${(rps / baseRps).toFixed(2)}x`,
    `${mean(name, "p99").toFixed(1)} ms`,
    cpu.toFixed(1),
    `${(cpu / baseCpu).toFixed(2)}x`,
    `${((rps * idsPerRequest) / 1e6).toFixed(2)}M`,
    mean(name, "errors"),
  ];
});
const markdown = `## HTTP (\`npm run bench:http\`)

${machineLine()}. autocannon in the benchmark process, ${CONNECTIONS} connections, ${DURATION_S} s per case after a
2 s warm-up, ${ROUNDS} rounds in alternating order, means shown. Server CPU per request comes from
/proc (user + system time of the server process over the window): steadier than req/s on a 2-core
machine where the load generator competes for CPU. Start-to-listening of the Node target (static
worker ID): ${Math.round(edgeflake.readyMs)} ms (bare node:http: ${Math.round(bare.readyMs)} ms).

${table(["case", "req/s", "vs bare", "p99", "server CPU µs/req", "vs bare", "IDs/s", "errors"], rows)}`;
console.log(markdown);
writeSection("http", markdown);
