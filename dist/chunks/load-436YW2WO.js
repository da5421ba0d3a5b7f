#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  expectedAt,
  loadConfig,
  parseConfig,
  registryHostOf,
  validateConfig
} from "./chunk-UVHU7F45.js";
import {
  validateVersion
} from "./chunk-NZ4MFCCD.js";
import "./chunk-Y3WAZMHP.js";
import "./chunk-Y73W57ZB.js";
export {
  expectedAt,
  loadConfig,
  parseConfig,
  registryHostOf,
  validateConfig,
  validateVersion
};
