// Runs a module of the installed consumer project in headless Chromium (Debian's, driven by
// playwright-core): a static server for the consumer directory, a page whose import map points
// `edgeflake` and `edgeflake/client` at the installed package's files, and one call of the
// module's `run(...args)`, whose result comes back as JSON.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { chromium } from "playwright-core";

/** Debian's chromium binary (the /usr/bin/chromium wrapper script only adds flags). */
export const CHROMIUM = "/usr/lib/chromium/chromium";

const PACKAGE = "/node_modules/edgeflake/dist/lib";
const PAGE = `<!doctype html><meta charset="utf-8"><title>edgeflake</title><link rel="icon" href="data:,">
<script type="importmap">{"imports":{"edgeflake":"${PACKAGE}/core/index.js","edgeflake/client":"${PACKAGE}/client/index.js"}}</script>`;
const TYPES: Record<string, string> = { ".js": "text/javascript", ".mjs": "text/javascript" };

export interface StaticSite {
  origin: string;
  close(): Promise<void>;
}

/** Serves `root` (JavaScript modules only) and the page at `/`, on loopback. */
export async function serveConsumer(root: string): Promise<StaticSite> {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
      return;
    }
    const type = TYPES[extname(path)];
    const body = type ? await readFile(join(root, path)).catch(() => undefined) : undefined;
    if (!type || !body) res.writeHead(404).end();
    else res.writeHead(200, { "content-type": type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Loads the page from `site`, imports `module` there and returns `await run(...args)`. */
export async function runInChromium(
  site: StaticSite,
  module: string,
  args: unknown[],
): Promise<{ result: unknown; consoleErrors: string[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  try {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(`${site.origin}/`);
    // A string, not a function: the test runner rewrites `import()` inside functions it compiles.
    const call = `import(${JSON.stringify(`/${module}`)}).then((m) => m.run(...${JSON.stringify(args)}))`;
    const result: unknown = await page.evaluate(call);
    return { result, consoleErrors };
  } finally {
    await browser.close();
  }
}
