// docker-compose.yml and the Dockerfile, cross-checked (no Docker engine runs here): mounted files
// exist, ports and paths agree with the app's config, the app command is the Dockerfile's CMD.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { composeValidator } from "./compose-schema.ts";
import {
  configVariables,
  defaultPort,
  dockerfile,
  execForm,
  inBuildContext,
  PLATFORM_VARIABLES,
  runtimeImports,
} from "./deploy-files.ts";
import { readRepoFile, readYaml, repoPath, scrapeJob } from "./support.ts";

const compose = readYaml("docker-compose.yml");
const services: Record<string, ComposeService> = compose.services;
const packageJson = JSON.parse(readRepoFile("package.json"));
const instructions = dockerfile();
const lastStage = Math.max(...instructions.map((i) => i.stage));
const runtime = instructions.filter((i) => i.stage === lastStage);
const APP_SERVICES = ["edgeflake-1", "edgeflake-2"];

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

function only(keyword: string) {
  const found = runtime.filter((i) => i.keyword === keyword);
  expect(found, keyword).toHaveLength(1);
  return found[0]?.args ?? "";
}

/** The URL a `node -e "fetch('http://...')"` healthcheck probes, with PORT substituted. */
function healthcheckUrl(test: string[], port: number): URL {
  const script = test.join(" ");
  const match = /fetch\('([^']+)'(?:\+\(process\.env\.PORT\|\|(\d+)\)\+'([^']+)')?\)/.exec(script);
  if (!match?.[1]) throw new Error(`no fetch URL in healthcheck: ${script}`);
  return new URL(match[3] === undefined ? match[1] : `${match[1]}${port}${match[3]}`);
}

describe("Dockerfile", () => {
  it("builds in stages on node:24-slim", () => {
    const froms = instructions.filter((i) => i.keyword === "FROM");
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from.args).toMatch(/^node:24-slim\b/);
  });

  it("installs production dependencies only, from the lockfile", () => {
    const installs = instructions.filter((i) => i.keyword === "RUN" && /\bnpm ci\b/.test(i.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install.args).toMatch(/--omit=dev/);
    expect(instructions.some((i) => i.keyword === "RUN" && /npm (install|i)\b/.test(i.args))).toBe(
      false,
    );
  });

  it("npm ci reads npm's configuration and CA file from build secrets, never from a copied file", () => {
    const installs = instructions.filter((i) => i.keyword === "RUN" && /\bnpm ci\b/.test(i.args));
    for (const install of installs) {
      expect(install.args).toMatch(/--mount=type=secret,id=npmrc\b/);
      expect(install.args).toMatch(/--mount=type=secret,id=npm_ca\b/);
      expect(install.args).toMatch(/\bNPM_CONFIG_USERCONFIG=\/run\/secrets\/npmrc\b/);
    }
    const copies = instructions.filter((i) => i.keyword === "COPY" || i.keyword === "ADD");
    for (const copy of copies) expect(copy.args).not.toMatch(/npmrc/);
    expect(inBuildContext(".npmrc", readRepoFile(".dockerignore"))).toBe(false);
  });

  it("runs as a non-root user", () => {
    const user = only("USER").split(":")[0];
    expect(user).not.toMatch(/^(root|0)$/);
  });

  it("exposes the app's default port", () => {
    expect(Number(only("EXPOSE"))).toBe(defaultPort());
  });

  it("starts Node directly in exec form, the same entry as npm start", () => {
    const cmd = execForm(only("CMD"));
    expect(cmd).toEqual(["node", "src/targets/node.ts"]);
    // npm start execs the same command, so signals sent to npm reach Node (issue 16).
    expect(packageJson.scripts.start).toBe(`exec ${cmd.join(" ")}`);
    expect(runtime.some((i) => i.keyword === "ENTRYPOINT")).toBe(false);
    expect(existsSync(repoPath(cmd[1] ?? ""))).toBe(true);
  });

  it("checks /readyz with Node's fetch (slim has no curl)", () => {
    const healthcheck = only("HEALTHCHECK");
    const test = execForm(healthcheck.slice(healthcheck.indexOf("CMD")));
    expect(test.slice(0, 2)).toEqual(["node", "-e"]);
    const url = healthcheckUrl(test, defaultPort());
    expect(url.pathname).toBe("/readyz"); // issue #15: was /health
    expect(Number(url.port)).toBe(defaultPort());
  });

  it("the image holds everything the server and table:create load, from production dependencies", () => {
    const copied = runtime
      .filter((i) => i.keyword === "COPY" && !i.args.includes("--from="))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((w) => !w.startsWith("--"))
          .slice(0, -1),
      );
    const entries = [
      execForm(only("CMD"))[1] ?? "",
      packageJson.scripts["table:create"].split(" ")[1],
    ];
    const { files, modules } = runtimeImports(entries);
    for (const file of files) {
      expect(
        copied.some((source) => file === source || file.startsWith(`${source}/`)),
        `${file} is not copied into the image`,
      ).toBe(true);
    }
    expect(modules.size).toBeGreaterThan(0);
    for (const name of modules) {
      expect(
        packageJson.dependencies?.[name],
        `${name} is not a production dependency`,
      ).toBeDefined();
    }
  });

  it("copies only files that exist and that .dockerignore lets into the build context", () => {
    const dockerignore = readRepoFile(".dockerignore");
    for (const dir of ["node_modules", ".git", "test", ".env"])
      expect(inBuildContext(dir, dockerignore), dir).toBe(false);
    const copies = instructions.filter((i) => i.keyword === "COPY" && !i.args.includes("--from="));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const words = copy.args.split(/\s+/).filter((w) => !w.startsWith("--"));
      for (const source of words.slice(0, -1)) {
        expect(existsSync(repoPath(source)), source).toBe(true);
        expect(inBuildContext(source, dockerignore), source).toBe(true);
      }
    }
  });
});

describe("docker-compose.yml", () => {
  const port = defaultPort();

  it("validates against the Compose Specification schema", () => {
    const validate = composeValidator();
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // The check bites: a misspelt key and a bad duration are rejected.
    const broken = structuredClone(compose);
    broken.services.prometheus.healthchek = broken.services.prometheus.healthcheck;
    broken.services.grafana.healthcheck.interval = "10 seconds";
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath).sort()).toEqual([
      "/services/grafana/healthcheck/interval",
      "/services/prometheus",
    ]);
  });

  it("has the stack's services", () => {
    expect(Object.keys(services).sort()).toEqual(
      ["dynamodb", "edgeflake-1", "edgeflake-2", "grafana", "prometheus", "table-create"].sort(),
    );
    expect(services.dynamodb?.image).toMatch(/^amazon\/dynamodb-local(:|$)/);
  });

  it("every bind-mounted path exists", () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const host = volume.split(":")[0] ?? "";
        if (!host.startsWith(".")) continue; // named volume
        expect(existsSync(repoPath(host)), `${name}: ${volume}`).toBe(true);
      }
    }
  });

  it("depends_on names existing services, and service_healthy ones have a healthcheck", () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[dependency], `${name} -> ${dependency}`).toBeDefined();
        expect(["service_started", "service_healthy", "service_completed_successfully"]).toContain(
          condition,
        );
        if (condition === "service_healthy")
          expect(services[dependency]?.healthcheck, dependency).toBeDefined();
      }
    }
  });

  it("runs the app replicas from the Dockerfile's image and CMD", () => {
    for (const name of APP_SERVICES) {
      const service = services[name];
      expect(service?.build, name).toBe(".");
      // No command override: the image's CMD (exec form) runs. An override must equal it.
      if (service?.command !== undefined) expect(service.command).toEqual(execForm(only("CMD")));
      expect(service?.depends_on?.["table-create"]?.condition).toBe(
        "service_completed_successfully",
      );
      expect(service?.healthcheck, name).toBeDefined();
    }
  });

  it("the replicas lease worker IDs from DynamoDB Local with DEMO_LOAD on", () => {
    const dynamodbPort = services.dynamodb?.ports?.[0]?.split(":")[1];
    const known = configVariables();
    for (const name of APP_SERVICES) {
      const env = services[name]?.environment ?? {};
      expect(env.WORKER_ID, name).toBeUndefined();
      expect(env.LEASE_TABLE, name).toBe(services["table-create"]?.environment?.LEASE_TABLE);
      expect(env.DYNAMODB_ENDPOINT).toBe(`http://dynamodb:${dynamodbPort}`);
      expect(Number(env.DEMO_LOAD)).toBeGreaterThan(0);
      for (const variable of Object.keys(env)) {
        expect(
          known.has(variable) || PLATFORM_VARIABLES.has(variable),
          `${name}: unknown variable ${variable}`,
        ).toBe(true);
      }
    }
  });

  it("ports and healthchecks agree with the app's PORT", () => {
    for (const name of APP_SERVICES) {
      const service = services[name];
      const appPort = Number(service?.environment?.PORT ?? port);
      expect(appPort).toBe(port);
      expect(service?.ports?.map((p) => Number(p.split(":")[1]))).toEqual([appPort]);
      const url = healthcheckUrl(service?.healthcheck?.test ?? [], appPort);
      expect(url.pathname).toBe("/readyz"); // issue #15: was /health
      expect(Number(url.port)).toBe(appPort);
    }
  });

  it("table-create runs npm run table:create in the app image", () => {
    const service = services["table-create"];
    expect(service?.image).toBe(services["edgeflake-1"]?.image);
    expect([service?.command].flat().join(" ")).toContain("npm run table:create");
    expect(packageJson.scripts["table:create"]).toBe("node scripts/table-create.ts");
    expect(service?.depends_on?.dynamodb).toBeDefined();
  });

  it("Prometheus loads infra/prometheus and scrapes both replicas on the app port", () => {
    const service = services.prometheus;
    expect(service?.volumes).toContain("./infra/prometheus:/etc/prometheus:ro");
    expect(service?.command).toContain("--config.file=/etc/prometheus/prometheus.yml");
    expect(service?.ports).toContain("9090:9090");
    const job = scrapeJob(readYaml("infra/prometheus/prometheus.yml"), "edgeflake-compose");
    expect(job.metrics_path).toBe("/metrics");
    expect(job.static_configs[0].targets).toEqual(APP_SERVICES.map((name) => `${name}:${port}`));
  });

  it("Grafana listens on 3000 with admin/admin", () => {
    const service = services.grafana;
    expect(service?.ports).toContain("3000:3000");
    expect(service?.environment).toMatchObject({
      GF_SECURITY_ADMIN_USER: "admin",
      GF_SECURITY_ADMIN_PASSWORD: "admin",
    });
    expect(service?.depends_on?.prometheus?.condition).toBe("service_healthy");
  });
});
