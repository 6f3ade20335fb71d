// Moved to scripts/lib (shared with scripts/ and bench/, which may not import from test/).
export { FakeClock } from "../../scripts/lib/fake-clock.ts";
