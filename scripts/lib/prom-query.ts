// Prometheus's query API through fetch only, so the workerd tests can use it too.

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query through the HTTP API (fetch only, so workerd can call it too). */
export async function promQuery(
  url: string,
  expr: string,
  timeSec?: number,
): Promise<PromSample[]> {
  const params = new URLSearchParams({ query: expr });
  if (timeSec !== undefined) params.set("time", String(timeSec));
  const response = await fetch(`${url}/api/v1/query?${params}`);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data: { result: PromSample[] };
  };
  if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}
