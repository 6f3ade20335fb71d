// Moved to scripts/lib (shared with scripts/ and bench/, which may not import from test/).
export * from "../../scripts/lib/lambda-events.ts";
