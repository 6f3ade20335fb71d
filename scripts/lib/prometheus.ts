// Debian's Prometheus as a remote-write receiver on a free loopback port (rules.yml loaded), for
// the push tests: the Node ones and the workerd ones (started by test/workers/global-setup.ts; `npm run bench:push` too).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { freePort } from "./free-port.ts";
import { spawnProcess } from "./process-harness.ts";
import { waitFor } from "./wait-for.ts";

const RULES = fileURLToPath(new URL("../../infra/prometheus/rules.yml", import.meta.url));

export interface PushReceiver {
  url: string;
  /** The remote-write endpoint. */
  writeUrl: string;
  stop(): Promise<void>;
}

/** Starts Prometheus with `--web.enable-remote-write-receiver`; rules evaluated every second. */
export async function startPrometheusReceiver(): Promise<PushReceiver> {
  const dir = mkdtempSync(join(tmpdir(), "edgeflake-push-"));
  const configFile = join(dir, "prometheus.yml");
  writeFileSync(
    configFile,
    stringify({
      global: { evaluation_interval: "1s" },
      rule_files: [RULES],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const prometheus = spawnProcess({
    command: "prometheus",
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-remote-write-receiver",
      "--log.level=warn",
    ],
    cwd: dir,
    captureLimit: 65_536,
  });
  await waitFor(
    "Prometheus to be ready",
    async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined),
    20_000,
    () => prometheus.output,
  );
  return {
    url,
    writeUrl: `${url}/api/v1/write`,
    stop: async () => {
      await prometheus.stop("SIGTERM", 5_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
