// The kustomize components in infra/k8s/components (Prometheus Operator, IRSA, static AWS keys,
// HPA) and the example overlay in infra/k8s-examples: each renders with `kubectl kustomize` on top
// of the base, every rendered object validates against its schema (Kubernetes' own and the
// Prometheus Operator's CRDs, from kubernetes-models), and the PrometheusRule is exactly what
// `npm run k8s:rules` makes of infra/prometheus/rules.yml.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  PrometheusRule,
  ServiceMonitor,
} from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Service, ServiceAccount } from "kubernetes-models/v1";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROMETHEUS_RULE_FILE, RULES_FILE, renderPrometheusRule } from "../../scripts/k8s-rules.ts";
import { PRESETS } from "../../src/core/layout.ts";
import { unknownFields } from "./k8s-fields.ts";
import {
  hasCommand,
  parseYamlDocuments,
  readRepoFile,
  readYaml,
  repoPath,
  run,
} from "./support.ts";

const BASE = "infra/k8s";
const COMPONENTS = `${BASE}/components`;
const EXAMPLE = "infra/k8s-examples/eks";
const components = readdirSync(repoPath(COMPONENTS)).sort();
const withKubectl = hasCommand("kubectl") || Boolean(process.env.CI);

// biome-ignore lint/suspicious/noExplicitAny: manifests are walked dynamically
type Manifest = any;

/** Validates a manifest against its schema; throws with the schema errors. */
function validate(manifest: Manifest): void {
  const models: Record<string, { new (data: never): { validate(): void } }> = {
    "apps/v1 Deployment": Deployment,
    "v1 Service": Service,
    "v1 ServiceAccount": ServiceAccount,
    "policy/v1 PodDisruptionBudget": PodDisruptionBudget,
    "autoscaling/v2 HorizontalPodAutoscaler": HorizontalPodAutoscaler,
    "monitoring.coreos.com/v1 ServiceMonitor": ServiceMonitor,
    "monitoring.coreos.com/v1 PrometheusRule": PrometheusRule,
  };
  const Model = models[`${manifest.apiVersion} ${manifest.kind}`];
  if (!Model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest as never).validate();
}

// kustomize accepts only relative paths, from a kustomization inside the repository.
const renderRoot = join(repoPath(".tmp"), "k8s-render");
mkdirSync(renderRoot, { recursive: true });
const renderDir = mkdtempSync(join(renderRoot, "overlay-"));
afterAll(() => rmSync(renderDir, { recursive: true, force: true }));

/** `kubectl kustomize` of the base with these components (paths relative to the repository). */
function render(...componentDirs: string[]): Manifest[] {
  const rel = (path: string) => relative(renderDir, repoPath(path));
  writeFileSync(
    join(renderDir, "kustomization.yaml"),
    [
      "apiVersion: kustomize.config.k8s.io/v1beta1",
      "kind: Kustomization",
      "resources:",
      `  - ${rel(BASE)}`,
      "components:",
      ...componentDirs.map((dir) => `  - ${rel(dir)}`),
      "",
    ].join("\n"),
  );
  return kustomize(renderDir);
}

function kustomize(dir: string): Manifest[] {
  const result = run("kubectl", ["kustomize", dir]);
  expect(result.code, result.output).toBe(0);
  return parseYamlDocuments(result.output);
}

function one(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0];
}

/** The container's variables that carry static AWS keys. */
function staticKeyVariables(manifests: Manifest[]): string[] {
  const container = one(manifests, "Deployment").spec.template.spec.containers[0];
  return (container.env ?? [])
    .map((e: { name: string }) => e.name)
    .filter((name: string) => /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(name));
}

const base = parseYamlDocuments(
  readYaml(`${BASE}/kustomization.yaml`)
    .resources.map((file: string) => readRepoFile(`${BASE}/${file}`))
    .join("\n---\n"),
);
const service = one(base, "Service");
const pod = one(base, "Deployment").spec.template;
const operatorDir = `${COMPONENTS}/prometheus-operator`;
const serviceMonitor = parseYamlDocuments(readRepoFile(`${operatorDir}/servicemonitor.yaml`))[0];
const prometheusRule = parseYamlDocuments(readRepoFile(PROMETHEUS_RULE_FILE))[0];

describe("kustomize components", () => {
  it("are the Prometheus Operator, IRSA, static AWS keys and HPA, each a Component with its files", () => {
    expect(components).toEqual(["aws-credentials-secret", "hpa", "irsa", "prometheus-operator"]);
    for (const name of components) {
      const kustomization = readYaml(`${COMPONENTS}/${name}/kustomization.yaml`);
      expect(kustomization.kind, name).toBe("Component");
      expect(kustomization.apiVersion).toBe("kustomize.config.k8s.io/v1alpha1");
      for (const file of kustomization.resources ?? [])
        expect(existsSync(repoPath(COMPONENTS, name, file)), `${name}/${file}`).toBe(true);
    }
  });

  it.runIf(withKubectl)(
    "kubectl kustomize renders the base with each component, every object schema-valid",
    () => {
      for (const name of components) {
        const rendered = render(`${COMPONENTS}/${name}`);
        for (const manifest of rendered) {
          validate(manifest);
          expect(unknownFields(manifest), `${name}: ${manifest.kind}`).toEqual([]);
        }
      }
    },
  );

  it.runIf(withKubectl)(
    "kubectl kustomize renders the example overlay, every object schema-valid",
    () => {
      const rendered = kustomize(repoPath(EXAMPLE));
      expect(rendered.map((m) => m.kind).sort()).toEqual(
        [
          "Deployment",
          "HorizontalPodAutoscaler",
          "PodDisruptionBudget",
          "PrometheusRule",
          "Service",
          "ServiceAccount",
          "ServiceMonitor",
        ].sort(),
      );
      for (const manifest of rendered) {
        validate(manifest);
        expect(unknownFields(manifest), manifest.kind).toEqual([]);
      }
      const arn = one(rendered, "ServiceAccount").metadata.annotations[
        "eks.amazonaws.com/role-arn"
      ];
      expect(arn).toMatch(/^arn:aws:iam::\d{12}:role\/.+$/);
      expect(arn).not.toContain("111122223333"); // the component's placeholder is replaced
      for (const kind of ["ServiceMonitor", "PrometheusRule"])
        expect(one(rendered, kind).metadata.labels.release, kind).toBe("kube-prometheus-stack");
    },
  );
});

describe("prometheus-operator component", () => {
  it("the PrometheusRule is what `npm run k8s:rules` makes of rules.yml", () => {
    expect(readRepoFile(PROMETHEUS_RULE_FILE)).toBe(renderPrometheusRule(readRepoFile(RULES_FILE)));
    expect(prometheusRule.spec.groups).toEqual(readYaml(RULES_FILE).groups);
    const check = run(process.execPath, [repoPath("scripts/k8s-rules.ts"), "--check"]);
    expect(check.code, check.output).toBe(0);
  });

  it("the drift check bites: a changed rules.yml gives a different PrometheusRule", () => {
    const changed = readRepoFile(RULES_FILE).replace("for: 5m", "for: 6m");
    expect(changed).not.toBe(readRepoFile(RULES_FILE));
    expect(renderPrometheusRule(changed)).not.toBe(readRepoFile(PROMETHEUS_RULE_FILE));
  });

  it("the ServiceMonitor and the PrometheusRule validate against the operator's CRD schemas", () => {
    for (const manifest of [serviceMonitor, prometheusRule]) {
      validate(manifest);
      expect(unknownFields(manifest), manifest.kind).toEqual([]);
    }
    const broken = structuredClone(serviceMonitor);
    broken.spec.endpoints[0].prot = broken.spec.endpoints[0].port;
    broken.spec.endpoints[0].relabelings[0].sourceLabel = ["x"];
    expect(unknownFields(broken).sort()).toEqual(
      [
        "ServiceMonitor.spec.endpoints[0].prot",
        "ServiceMonitor.spec.endpoints[0].relabelings[0].sourceLabel",
      ].sort(),
    );
    const badRule = structuredClone(prometheusRule);
    badRule.spec.groups[0].rules[0].exprs = "up";
    expect(unknownFields(badRule)).toEqual(["PrometheusRule.spec.groups[0].rules[0].exprs"]);
    badRule.spec.groups = "not a list";
    expect(() => validate(badRule)).toThrow();
  });

  it("the ServiceMonitor scrapes the Service's named port at the pods' metrics path, as job edgeflake", () => {
    const selector: Record<string, string> = serviceMonitor.spec.selector.matchLabels;
    for (const [key, value] of Object.entries(selector))
      expect(service.metadata.labels[key], key).toBe(value);
    const endpoint = serviceMonitor.spec.endpoints[0];
    expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain(endpoint.port);
    expect(endpoint.path).toBe(pod.metadata.annotations["prometheus.io/path"]);
    // The operator names the job after the Service; SnowflakeInstanceDown selects job=~"edgeflake.*".
    expect(service.metadata.name).toMatch(/^edgeflake.*$/);
    const relabeled = endpoint.relabelings.map((r: { targetLabel: string }) => r.targetLabel);
    expect(relabeled).toContain("node");
  });
});

describe("AWS credentials components", () => {
  it.runIf(withKubectl)(
    "irsa annotates the ServiceAccount with an IAM role and leaves no static key in the pods",
    () => {
      const rendered = render(`${COMPONENTS}/irsa`);
      const account = one(rendered, "ServiceAccount");
      expect(account.metadata.annotations["eks.amazonaws.com/role-arn"]).toMatch(
        /^arn:aws:iam::\d{12}:role\/.+$/,
      );
      expect(account.metadata.annotations["eks.amazonaws.com/sts-regional-endpoints"]).toBe("true");
      expect(staticKeyVariables(rendered)).toEqual([]);
      // Layered over the static-keys component, irsa removes the keys again.
      expect(
        staticKeyVariables(render(`${COMPONENTS}/aws-credentials-secret`, `${COMPONENTS}/irsa`)),
      ).toEqual([]);
    },
  );

  it.runIf(withKubectl)("aws-credentials-secret reads both keys from one Secret", () => {
    const rendered = render(`${COMPONENTS}/aws-credentials-secret`);
    expect(staticKeyVariables(rendered)).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    const env = one(rendered, "Deployment").spec.template.spec.containers[0].env;
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
      const variable = env.find((e: { name: string }) => e.name === name);
      expect(variable.value, name).toBeUndefined();
      expect(variable.valueFrom.secretKeyRef).toEqual({
        name: "edgeflake-aws-credentials",
        key: name,
      });
    }
  });

  it("the base itself carries no AWS key", () => {
    expect(staticKeyVariables(base)).toEqual([]);
  });
});

describe("hpa component", () => {
  const hpa = parse(readRepoFile(`${COMPONENTS}/hpa/hpa.yaml`));
  const deployment = one(base, "Deployment");

  it("scales the Deployment on CPU, within the worker IDs a namespace has", () => {
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: deployment.apiVersion,
      kind: "Deployment",
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(deployment.spec.replicas);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.maxReplicas).toBeLessThanOrEqual(2 ** (PRESETS.classic?.workerBits ?? 0));
    // Utilization is a share of the request: the container must request CPU.
    expect(hpa.spec.metrics[0].resource).toMatchObject({ name: "cpu" });
    expect(pod.spec.containers[0].resources.requests.cpu).toBeDefined();
  });

  it.runIf(withKubectl)(
    "drops the Deployment's fixed replica count, so apply does not fight the HPA",
    () => {
      const rendered = render(`${COMPONENTS}/hpa`);
      expect(one(rendered, "Deployment").spec.replicas).toBeUndefined();
      expect(one(rendered, "HorizontalPodAutoscaler").spec.scaleTargetRef.name).toBe("edgeflake");
    },
  );
});
