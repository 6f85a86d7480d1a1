/** The slice of autocannon 8 that the HTTP benchmark uses (the package ships no types). */
declare module 'autocannon' {
  type Histogram = { readonly average: number; readonly mean: number; readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly total: number };
  type RawRequest = { method?: string; path?: string; body?: string | Buffer; headers?: Record<string, string> };
  export type Request = RawRequest & {
    setupRequest?: (request: RawRequest, context: Record<string, unknown>) => RawRequest | undefined;
    onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
  };
  export type Options = {
    url: string;
    connections?: number;
    amount?: number;
    duration?: number;
    pipelining?: number;
    timeout?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: Request[];
  };
  export type Result = {
    readonly requests: Histogram;
    readonly latency: Histogram;
    readonly duration: number;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
    readonly '2xx': number;
  };
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
