// The admin API's answers, as the dashboard reads them.

export interface Limits {
  memoryMb: number;
  timeoutMs: number;
  fuel: number;
}

export interface FunctionMeta {
  name: string;
  version: string;
  sha256: string;
  size: number;
  abi: string;
  exports: string[];
  imports: { module: string; name: string; kind: string }[];
  limits: Limits;
  env: string[];
  createdAt: string;
  compileMs: number;
}

export interface FunctionDetail extends FunctionMeta {
  live: string;
  history: string[];
  versions: FunctionMeta[];
}

export interface SeriesPoint {
  t: number;
  invocations: number;
  outcomes: Record<string, number>;
  p50: number | null;
  p99: number | null;
  fuel: number;
  gbSeconds: number;
}

export interface FunctionUsage {
  function: string;
  lastCall: string | null;
  summary: { invocations: number; errors: number; p50: number | null; p99: number | null };
  points: SeriesPoint[];
}

export interface UsageMinutes {
  stepMs: number;
  minutes: number;
  to: string;
  functions: FunctionUsage[];
}

export interface LogEntry {
  seq: number;
  requestId: string;
  time: string;
  version: string;
  method: string;
  path: string;
  status: number;
  code: string | null;
  message?: string;
  trapStack?: string[];
  durationsMs: { queue: number; instantiate: number; run: number; total: number };
  fuelUsed: number | null;
  peakPages: number;
  bytesIn: number;
  bytesOut: number;
  logs: { level: string; line: string }[];
  replica?: string;
}
