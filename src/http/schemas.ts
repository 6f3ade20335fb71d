import * as z from "zod/mini";
import { ID_FORMATS } from "../core/index.ts";

// Request schemas: they validate the query and, through z.toJSONSchema, describe it in /openapi.json.
export const formatSchema = z.enum(ID_FORMATS).register(z.globalRegistry, {
  description: "Encoding of IDs: decimal (default), hex (16 digits) or base62 (11 characters)",
});

/** What `count` means, in /openapi.json (whose schema states its type: an integer 1..MAX_BATCH). */
const COUNT_DESCRIPTION =
  'How many IDs (1..MAX_BATCH, default 1); the answer is then {"ids":[...]}';

export const generateQuerySchema = z.object({
  count: z.optional(
    z
      .string()
      .check(z.regex(/^[0-9]{1,9}$/, "count must be a whole number"))
      .register(z.globalRegistry, {
        description: COUNT_DESCRIPTION,
      }),
  ),
  format: z.optional(formatSchema),
});

export const decodeQuerySchema = z.object({
  format: z.optional(formatSchema),
});

export const idSchema = z.string().register(z.globalRegistry, {
  description: "An ID as a string (JSON never carries IDs as numbers)",
});
