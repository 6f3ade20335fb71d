// Kubernetes manifests: validated offline against the Kubernetes schemas (kubernetes-models),
// cross-checked with each other, the Dockerfile, the Prometheus job and the app's config, and
// rendered with `kubectl kustomize` (needs no cluster).
import { existsSync } from "node:fs";
import { Deployment } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Service, ServiceAccount } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { configVariables, defaultPort, dockerfile, PLATFORM_VARIABLES } from "./deploy-files.ts";
import { unknownFields } from "./k8s-fields.ts";
import {
  hasCommand,
  parseYamlDocuments,
  readRepoFile,
  readYaml,
  repoPath,
  run,
} from "./support.ts";

const DIR = "infra/k8s";
const kustomization = readYaml(`${DIR}/kustomization.yaml`);
const resources: string[] = kustomization.resources;
// biome-ignore lint/suspicious/noExplicitAny: manifests are walked dynamically
const manifests: any[] = resources.flatMap((file) =>
  parseYamlDocuments(readRepoFile(`${DIR}/${file}`)),
);
// biome-ignore lint/suspicious/noExplicitAny: manifests are walked dynamically
function byKind(kind: string): any {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0];
}

const deployment = byKind("Deployment");
const service = byKind("Service");
const pdb = byKind("PodDisruptionBudget");
const serviceAccount = byKind("ServiceAccount");
const pod = deployment.spec.template;
const container = pod.spec.containers[0];

/** Validates a manifest against its Kubernetes schema; throws with the schema errors. */
// biome-ignore lint/suspicious/noExplicitAny: manifests are walked dynamically
function validate(manifest: any): void {
  const models: Record<string, { new (data: never): { validate(): void } }> = {
    "apps/v1 Deployment": Deployment,
    "v1 Service": Service,
    "v1 ServiceAccount": ServiceAccount,
    "policy/v1 PodDisruptionBudget": PodDisruptionBudget,
  };
  const Model = models[`${manifest.apiVersion} ${manifest.kind}`];
  if (!Model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest as never).validate();
}

/** The container port a probe or Service names (by name or number). */
function containerPort(port: string | number): number {
  if (typeof port === "number") return port;
  const named = container.ports.find((p: { name: string }) => p.name === port);
  if (!named) throw new Error(`no container port named ${port}`);
  return named.containerPort;
}

function isSubset(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

describe("kustomization", () => {
  it("lists existing files holding a Deployment, a Service, a PodDisruptionBudget and a ServiceAccount", () => {
    for (const file of resources) expect(existsSync(repoPath(DIR, file)), file).toBe(true);
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      "Deployment",
      "PodDisruptionBudget",
      "Service",
      "ServiceAccount",
    ]);
  });

  it("every manifest validates against the Kubernetes schema", () => {
    for (const manifest of manifests) validate(manifest);
  });

  it("no manifest has a field its schema does not define (validate() lets unknown keys through)", () => {
    for (const manifest of manifests) expect(unknownFields(manifest), manifest.kind).toEqual([]);
  });

  it("the unknown-field check finds misspelt and misplaced fields, however deep", () => {
    const broken = structuredClone(deployment);
    const brokenContainer = broken.spec.template.spec.containers[0];
    brokenContainer.readinesProbe = brokenContainer.readinessProbe;
    brokenContainer.livenessProbe.httpGet.paths = "/health";
    brokenContainer.lifecycle.preStop.exec.cmd = ["sleep", "3"];
    broken.spec.template.spec.runAsNonRoot = true;
    broken.spec.template.metadata.label = { app: "edgeflake" };
    expect(unknownFields(broken).sort()).toEqual(
      [
        "Deployment.spec.template.metadata.label",
        "Deployment.spec.template.spec.runAsNonRoot",
        "Deployment.spec.template.spec.containers[0].readinesProbe",
        "Deployment.spec.template.spec.containers[0].livenessProbe.httpGet.paths",
        "Deployment.spec.template.spec.containers[0].lifecycle.preStop.exec.cmd",
      ].sort(),
    );
  });

  it("the schema check rejects a broken manifest (so the check above means something)", () => {
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = "eighty";
    expect(() => validate(broken)).toThrow();
    delete broken.spec.selector;
    expect(() => validate(broken)).toThrow();
  });

  it.runIf(hasCommand("kubectl") || process.env.CI)(
    "kubectl kustomize renders the same objects, image set",
    () => {
      const result = run("kubectl", ["kustomize", repoPath(DIR)]);
      expect(result.code, result.output).toBe(0);
      const rendered = parseYamlDocuments(result.output);
      expect(rendered.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual(
        manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort(),
      );
      for (const manifest of rendered) {
        validate(manifest);
        expect(unknownFields(manifest), manifest.kind).toEqual([]);
      }
      const image = kustomization.images[0];
      const renderedDeployment = rendered.find((m) => m.kind === "Deployment");
      expect(renderedDeployment.spec.template.spec.containers[0].image).toBe(
        `${image.newName ?? image.name}:${image.newTag}`,
      );
    },
  );
});

describe("Deployment", () => {
  it("selects its own pods: selector and template labels app: edgeflake", () => {
    expect(deployment.spec.selector.matchLabels).toEqual({ app: "edgeflake" });
    expect(pod.metadata.labels.app).toBe("edgeflake");
    expect(isSubset(deployment.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
  });

  it("the Service and the PodDisruptionBudget select the same pods", () => {
    expect(isSubset(service.spec.selector, pod.metadata.labels)).toBe(true);
    expect(isSubset(pdb.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
  });

  it("leases worker IDs (LEASE_TABLE) instead of a static WORKER_ID, with known variables only", () => {
    const env: { name: string; value?: string }[] = container.env;
    const names = env.map((e) => e.name);
    expect(names).not.toContain("WORKER_ID");
    expect(names).toContain("LEASE_TABLE");
    expect(names).toContain("AWS_REGION");
    const known = configVariables();
    for (const name of names)
      expect(known.has(name) || PLATFORM_VARIABLES.has(name), name).toBe(true);
  });

  it("takes its tokens from a Secret, never as inline values", () => {
    const env: { name: string; value?: string; valueFrom?: { secretKeyRef?: object } }[] =
      container.env;
    for (const name of ["AUTH_TOKEN", "METRICS_TOKEN"]) {
      const entry = env.find((e) => e.name === name);
      expect(entry?.value, name).toBeUndefined();
      expect(entry?.valueFrom?.secretKeyRef).toEqual({
        name: "edgeflake-tokens",
        key: name,
        optional: true,
      });
    }
    const inline = env.filter((e) => /TOKEN|SECRET|PASSWORD|AUTHORIZATION/.test(e.name) && e.value);
    expect(inline).toEqual([]);
  });

  it("listens on the app's port, which the probes, the Service and the scrape annotations use", () => {
    const port = defaultPort();
    const envPort = container.env.find((e: { name: string }) => e.name === "PORT")?.value;
    expect(Number(envPort ?? port)).toBe(port);
    expect(container.ports.map((p: { containerPort: number }) => p.containerPort)).toEqual([port]);
    // Issue #15: liveness (and the startup probe) on /livez, readiness on /readyz, no longer /health.
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    expect(container.livenessProbe.httpGet.path).toBe("/livez");
    expect(container.startupProbe.httpGet.path).toBe("/livez");
    for (const probe of [
      container.readinessProbe,
      container.livenessProbe,
      container.startupProbe,
    ]) {
      expect(containerPort(probe.httpGet.port)).toBe(port);
    }
    expect(containerPort(service.spec.ports[0].targetPort)).toBe(port);
    for (const annotations of [pod.metadata.annotations, service.metadata.annotations]) {
      expect(annotations).toEqual({
        "prometheus.io/scrape": "true",
        "prometheus.io/port": String(port),
        "prometheus.io/path": "/metrics",
      });
    }
  });

  it("readiness fails over within the third of the TTL during which /readyz is 503 before the lease lapses", () => {
    const ttlMs = Number(
      container.env.find((e: { name: string }) => e.name === "LEASE_TTL_MS").value,
    );
    const { periodSeconds, failureThreshold } = container.readinessProbe;
    expect(periodSeconds * failureThreshold * 1000).toBeLessThanOrEqual(ttlMs / 3);
    // Liveness starts only once the startup probe passed, so it needs no initial delay.
    expect(container.livenessProbe.initialDelaySeconds).toBeUndefined();
  });

  it("runs non-root on a read-only root file system, as the Dockerfile's user", () => {
    const user = dockerfile()
      .filter((i) => i.keyword === "USER")
      .at(-1)
      ?.args.split(":")[0];
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: Number(user) });
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
  });

  it("has resources, and a grace period longer than the 5 s shutdown plus the preStop pause", () => {
    expect(container.resources.requests).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    expect(container.resources.limits).toMatchObject({ memory: expect.any(String) });
    const preStopSeconds = Number(container.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(5 + preStopSeconds);
  });

  it("runs as the ServiceAccount, and uses the kustomization's image name", () => {
    expect(pod.spec.serviceAccountName).toBe(serviceAccount.metadata.name);
    expect(String(container.image).split(":")[0]).toBe(kustomization.images[0].name);
  });

  it("spreads its pods across zones and across nodes, never blocking scheduling", () => {
    const constraints: {
      topologyKey: string;
      maxSkew: number;
      whenUnsatisfiable: string;
      labelSelector: { matchLabels: Record<string, string> };
    }[] = pod.spec.topologySpreadConstraints;
    expect(constraints.map((c) => c.topologyKey)).toEqual([
      "topology.kubernetes.io/zone",
      "kubernetes.io/hostname",
    ]);
    for (const constraint of constraints) {
      expect(constraint.maxSkew).toBe(1);
      expect(constraint.whenUnsatisfiable).toBe("ScheduleAnyway");
      expect(isSubset(constraint.labelSelector.matchLabels, pod.metadata.labels)).toBe(true);
    }
  });

  it("the PodDisruptionBudget lets at most one of several replicas go", () => {
    expect(deployment.spec.replicas).toBeGreaterThan(1);
    expect(pdb.spec.maxUnavailable ?? deployment.spec.replicas - pdb.spec.minAvailable).toBe(1);
  });
});
