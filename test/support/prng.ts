// Moved to scripts/lib (shared with scripts/ and bench/, which may not import from test/).
export { mulberry32 } from "../../scripts/lib/prng.ts";
