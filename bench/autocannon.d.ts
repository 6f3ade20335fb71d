declare module "autocannon" {
  /** The subset of autocannon's programmatic API the HTTP benchmark and the soak use. */
  interface Result {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number; max: number; average: number };
    throughput: { average: number };
    errors: number;
    non2xx: number;
    timeouts: number;
    duration: number;
  }
  export default function autocannon(options: {
    url: string;
    connections: number;
    duration: number;
    /** Cycled through by every connection, instead of GET `url`. */
    requests?: { path: string; method?: string; headers?: Record<string, string> }[];
  }): Promise<Result>;
}
