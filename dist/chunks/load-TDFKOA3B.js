#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  expectedAt,
  loadConfig,
  parseConfig,
  registryHostOf,
  validateConfig
} from "./chunk-RBQJF7ML.js";
import {
  validateVersion
} from "./chunk-V72RB2HC.js";
import "./chunk-OANLFM4I.js";
export {
  expectedAt,
  loadConfig,
  parseConfig,
  registryHostOf,
  validateConfig,
  validateVersion
};
