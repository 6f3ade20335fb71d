import { Readable } from "node:stream";
import { NodeHttpHandler } from "@smithy/node-http-handler";

type HandleArgs = Parameters<NodeHttpHandler["handle"]>;
type HandleResult = Awaited<ReturnType<NodeHttpHandler["handle"]>>;

const THROTTLED = {
  __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
  message: "The level of configured provisioned throughput for the table was exceeded.",
};

/**
 * The client's HTTP layer with a counter and fault injection, the same for every DynamoDB-API
 * store: `throttleNext` answers that many requests with DynamoDB's throttling error instead of
 * sending them, `failNext` with an HTTP 5xx, `loseNext` sends them but loses the answer (the
 * write lands, the caller sees a network error), and `stripConditionItem` removes the item a
 * failed condition returns (`ReturnValuesOnConditionCheckFailure`), as dynalite does.
 */
export class FaultyHandler {
  private readonly inner: NodeHttpHandler;
  /** `X-Amz-Target` of every request (e.g. `UpdateItem`), sent or faulted. */
  readonly requests: string[] = [];
  throttleNext = 0;
  throttled = 0;
  /** HTTP statuses to answer the next requests with (500: InternalServerError; 503: a bare body). */
  failNext: number[] = [];
  loseNext = 0;
  stripConditionItem = false;
  /** Failed-condition answers that carried the old item (before any stripping). */
  conditionItems = 0;

  /** `options` for the real handler (e.g. a longer connection timeout for a burst of requests). */
  constructor(options?: ConstructorParameters<typeof NodeHttpHandler>[0]) {
    this.inner = new NodeHttpHandler(options);
  }

  async handle(request: HandleArgs[0], options?: HandleArgs[1]): Promise<HandleResult> {
    this.requests.push(String(request.headers["x-amz-target"] ?? "").replace(/^.*\./, ""));
    if (this.throttleNext > 0) {
      this.throttleNext--;
      this.throttled++;
      return answer(400, JSON.stringify(THROTTLED));
    }
    const status = this.failNext.shift();
    if (status === 500) {
      return answer(500, JSON.stringify({ __type: "InternalServerError", message: "injected" }));
    }
    if (status !== undefined)
      return answer(status, "<html>Service Unavailable</html>", "text/html");
    const result = await this.inner.handle(request, options);
    if (this.loseNext > 0) {
      this.loseNext--;
      (result.response.body as Readable | undefined)?.destroy?.();
      throw Object.assign(new Error("injected: the answer was lost"), { name: "TimeoutError" });
    }
    if (result.response.statusCode !== 400) return result;
    return await this.inspectFailure(result);
  }

  /** Counts (and optionally strips) the item of a ConditionalCheckFailedException. */
  private async inspectFailure(result: HandleResult): Promise<HandleResult> {
    const chunks: Buffer[] = [];
    for await (const chunk of result.response.body as Readable) chunks.push(Buffer.from(chunk));
    let body = Buffer.concat(chunks).toString();
    let parsed: { __type?: string; Item?: unknown } = {};
    try {
      parsed = JSON.parse(body);
    } catch {} // not JSON: passed on as it came
    if (parsed.__type?.endsWith("ConditionalCheckFailedException") && parsed.Item) {
      this.conditionItems++;
      if (this.stripConditionItem) {
        delete parsed.Item;
        body = JSON.stringify(parsed);
      }
    }
    const headers = { ...result.response.headers };
    delete headers["content-length"];
    delete headers["x-amz-crc32"];
    result.response.headers = headers;
    result.response.body = Readable.from([Buffer.from(body)]);
    return result;
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    this.inner.destroy();
  }
}

function answer(statusCode: number, body: string, type = "application/x-amz-json-1.0") {
  return {
    response: {
      statusCode,
      reason: statusCode === 400 ? "Bad Request" : "Server Error",
      headers: { "content-type": type, "x-amzn-requestid": "injected" },
      body: Readable.from([Buffer.from(body)]),
    },
  } as unknown as HandleResult;
}
