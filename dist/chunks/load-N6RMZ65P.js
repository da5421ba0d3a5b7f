#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  expectedAt,
  loadConfig,
  parseConfig,
  registryHostOf,
  validateConfig
} from "./chunk-XMU2VBSY.js";
import "./chunk-V3I36CO6.js";
import {
  validateVersion
} from "./chunk-CKGP2JAI.js";
import "./chunk-CEACHMP3.js";
export {
  expectedAt,
  loadConfig,
  parseConfig,
  registryHostOf,
  validateConfig,
  validateVersion
};
