#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  UsageError
} from "./chunk-CEACHMP3.js";

// src/config/steps.ts
function parseSteps(text, field = "--steps") {
  const parts = text.split(",").map((p) => p.trim());
  const steps = parts.map(Number);
  const bad = (why) => new UsageError(`${field}: ${JSON.stringify(text)} ${why} (e.g. 10,50,100)`);
  if (parts.some((p) => !/^\d{1,3}$/.test(p))) throw bad("must be a comma-separated list of integers");
  if (steps.some((s) => s < 1 || s > 100)) throw bad("must hold percentages between 1 and 100");
  if (steps.some((s, i) => i > 0 && s <= steps[i - 1])) throw bad("must be strictly increasing");
  if (steps.at(-1) !== 100) throw bad("must end in 100");
  return steps;
}

export {
  parseSteps
};
