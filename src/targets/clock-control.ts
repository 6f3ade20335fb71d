// TEST ONLY (`CLOCK_CONTROL=unsafe-test-only`): lets a chaos driver shift one process's wall clock.
// Never built unless that exact value is set; the Node entry then logs a warning at start.
import { type Context, type ExecutionContext, Hono } from "hono";
import type { Clock } from "../core/clock.ts";

/** The one value of `CLOCK_CONTROL` that enables the control; anything else is a config error. */
export const CLOCK_CONTROL_ENABLED = "unsafe-test-only";
/** The route the control answers (POST sets the offset, GET reads it); absent otherwise. */
export const CLOCK_CONTROL_PATH = "/_test/clock";
/** Largest shift accepted, either way: enough for any clock fault, too little for nonsense. */
export const MAX_CLOCK_OFFSET_MS = 3_600_000;

type Fetch = (request: Request, ...rest: never[]) => Response | Promise<Response>;

/** A clock `offsetMs` away from `base` (wall time only: monotonic time and sleeps are untouched). */
export class ClockControl {
  offsetMs = 0;
  readonly clock: Clock;

  constructor(base: Clock) {
    this.clock = {
      now: () => base.now() + this.offsetMs,
      monotonic: () => base.monotonic(),
      sleep: (ms) => base.sleep(ms),
      ...(base.yieldTurn ? { yieldTurn: (resume: () => void) => base.yieldTurn?.(resume) } : {}),
    };
  }

  /**
   * Wraps the app's fetch: Hono's router answers `/_test/clock` here (the same path handling as
   * the app's), and everything it does not match passes through untouched.
   */
  wrap<F extends Fetch>(fetch: F): F {
    const front = new Hono();
    front.all(CLOCK_CONTROL_PATH, (c) => this.handle(c.req.raw));
    front.notFound((c) => fetch(c.req.raw, ...(passedOn(c) as never[])));
    const wrapped = (request: Request, env?: unknown, ctx?: ExecutionContext) =>
      front.fetch(request, env, ctx);
    return wrapped as unknown as F;
  }

  private async handle(request: Request): Promise<Response> {
    if (request.method === "POST") {
      let offsetMs: unknown;
      try {
        offsetMs = ((await request.json()) as { offsetMs?: unknown }).offsetMs;
      } catch {
        offsetMs = undefined;
      }
      if (
        typeof offsetMs !== "number" ||
        !Number.isInteger(offsetMs) ||
        Math.abs(offsetMs) > MAX_CLOCK_OFFSET_MS
      ) {
        return Response.json(
          { error: `offsetMs must be an integer within ±${MAX_CLOCK_OFFSET_MS}` },
          { status: 400 },
        );
      }
      this.offsetMs = offsetMs;
    } else if (request.method !== "GET") {
      return new Response(null, { status: 405, headers: { Allow: "GET, POST" } });
    }
    return Response.json({ offsetMs: this.offsetMs, nowMs: this.clock.now() });
  }
}

/** The env and execution context the outer fetch was given, to hand on to the app. */
function passedOn(c: Context): unknown[] {
  let ctx: unknown;
  try {
    ctx = c.executionCtx;
  } catch {
    // None outside Workers.
  }
  return ctx === undefined ? [c.env] : [c.env, ctx];
}
