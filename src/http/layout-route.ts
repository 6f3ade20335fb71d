import type { Layout } from "../core/index.ts";
import { preflight } from "./openapi-components.ts";

/** What `GET /layout` answers: enough for a client to decode IDs locally. */
export interface LayoutDocument {
  name: string;
  timestampBits: number;
  workerBits: number;
  sequenceBits: number;
  unitMs: number;
  epochMs: number;
  /** The epoch in ISO 8601, for people reading the answer. */
  epoch: string;
  /** The largest `count` `/generate` accepts here (clients size their batches by it). */
  maxBatch: number;
}

/** The layout document of `layout` on a service whose largest batch is `maxBatch`. */
export function layoutDocument(layout: Layout, maxBatch: number): LayoutDocument {
  return {
    name: layout.name,
    timestampBits: layout.timestampBits,
    workerBits: layout.workerBits,
    sequenceBits: layout.sequenceBits,
    unitMs: layout.unitMs,
    epochMs: layout.epochMs,
    epoch: new Date(layout.epochMs).toISOString(),
    maxBatch,
  };
}

const integer = { type: "integer" };

type Json = Record<string, unknown>;

/** The OpenAPI path item of `GET /layout`, with the responses and parameters all routes share. */
export function layoutPathItem(shared: Json, requestId: Json, headers: Json): Json {
  return {
    get: {
      operationId: "layout",
      tags: ["describe"],
      summary: "The layout IDs are issued with",
      description: "Open. Clients decode IDs locally with it, and size their batches by maxBatch.",
      security: [],
      parameters: [requestId],
      responses: {
        "200": { description: "Bit widths, tick length and epoch", headers, content },
        ...shared,
      },
    },
    options: preflight("preflightLayout", "describe", "/layout"),
  };
}

const content = {
  "application/json": {
    schema: {
      type: "object",
      required: [
        "name",
        "timestampBits",
        "workerBits",
        "sequenceBits",
        "unitMs",
        "epochMs",
        "epoch",
        "maxBatch",
      ],
      properties: {
        name: { type: "string", examples: ["classic", "custom:41/10/12/1"] },
        timestampBits: integer,
        workerBits: integer,
        sequenceBits: integer,
        unitMs: { type: "integer", description: "tick length in ms" },
        epochMs: { type: "integer", description: "ms since 1970" },
        epoch: { type: "string", format: "date-time" },
        maxBatch: { type: "integer", description: "largest count of /generate" },
      },
    },
  },
};
