// The CLI's rules, in-process: what it prints and its exit codes (the installed bin runs the same
// function; package.test.ts runs it through npx).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/run.ts";
import { type LocalServer, startAppServer, startFailingServer } from "../client/support.ts";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (t) => out.push(t),
    (t) => err.push(t),
    {},
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("edgeflake CLI", () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startAppServer({ WORKER_ID: "88", AUTH_TOKEN: "cli-test-token-0123456789" });
  });
  afterAll(() => server?.close());

  it("decode prints the fields, as text or JSON, under any layout and epoch", async () => {
    const text = await cli("decode", "4194308096");
    expect(text).toMatchObject({ code: 0, err: "" });
    expect(text.out).toBe(
      [
        "id         4194308096",
        "time       2025-01-01T00:00:01.000Z",
        "timestamp  1735689601000",
        "workerId   1",
        "sequence   0",
        "layout     classic, epoch 2025-01-01T00:00:00.000Z",
      ].join("\n"),
    );
    const json = await cli("decode", "00000000fa001000", "--format", "hex", "--json");
    expect(JSON.parse(json.out)).toEqual({
      id: "4194308096",
      timestamp: 1735689601000,
      time: "2025-01-01T00:00:01.000Z",
      workerId: 1,
      sequence: 0,
    });
    const other = await cli(
      "decode",
      "4194308096",
      "--layout",
      "sonyflake",
      "--epoch",
      "0",
      "--json",
    );
    expect(JSON.parse(other.out)).toMatchObject({ timestamp: 2500, workerId: 16, sequence: 0 });
  });

  it("generate prints IDs one per line; decode --url uses the service's layout", async () => {
    const token = ["--token", "cli-test-token-0123456789"];
    const generated = await cli("generate", "--url", server.url, "--count", "25000", ...token);
    expect(generated.code).toBe(0);
    const ids = generated.out.split("\n");
    expect(ids).toHaveLength(25_000);
    expect(new Set(ids).size).toBe(25_000);
    const decoded = await cli("decode", ids[0] as string, "--url", server.url, "--json", ...token);
    expect(JSON.parse(decoded.out)).toMatchObject({ workerId: 88 });
  });

  it("bad input: one clear line, exit 2, never a stack trace", async () => {
    const cases: [string[], RegExp][] = [
      [[], /^usage:/],
      [["frobnicate"], /unknown command "frobnicate"/],
      [["decode"], /decode takes exactly one ID/],
      [["decode", "12x"], /"12x" is not a decimal ID/],
      [["decode", "1", "--format", "oct"], /--format must be decimal, hex, base62/],
      [["decode", "1", "--layout", "custom:1/1/1/1"], /timestampBits must be an integer/],
      [["decode", "1", "--epoch", "yesterday"], /--epoch must be ms since 1970 or an ISO 8601/],
      [["decode", "1", "--epoch", "2999-01-01"], /is in the future/],
      [["decode", "9223372036854775807"], /in the future: not an ID of layout classic/],
      [["decode", "1", "--bogus"], /Unknown option '--bogus'/],
      [["decode", "1", "--url", "http://x", "--layout", "classic"], /leave out --layout/],
      [["generate"], /generate needs --url/],
      [["generate", "--url", "ftp://x"], /not an http\(s\) URL/],
      [["generate", "--url", "http://x", "--count", "0"], /--count must be an integer/],
      [["generate", "--url", "http://x", "--json"], /--json belongs to decode/],
    ];
    for (const [argv, message] of cases) {
      const result = await cli(...argv);
      expect(result.code, argv.join(" ")).toBe(2);
      expect(result.out).toBe("");
      expect(result.err).toMatch(message);
      expect(result.err).not.toMatch(/\n\s+at |\.ts:\d+/);
    }
    expect(await cli("--help")).toMatchObject({ code: 0, out: expect.stringMatching(/^usage:/) });
  });

  it("a service that fails or refuses: one line, exit 1", async () => {
    const unavailable = await startFailingServer(503, { "Retry-After": "60" });
    const down = await cli("generate", "--url", unavailable.url);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(
      /^edgeflake: every edgeflake URL failed \(http:\/\/127\.0\.0\.1:\d+: 503 /,
    );
    await unavailable.close();
    const refused = await cli("generate", "--url", server.url, "--token", "wrong-token-0123456789");
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/answered 401/);
  });
});
