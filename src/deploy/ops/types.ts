import type { Result, StatusReport } from '../outcome.js';

export interface OpResult {
  message: string;
  version?: string;
  image?: string;
  digest?: string;
  diff?: string;
  plan?: string[];
  result?: Result;
  status?: StatusReport;
}
