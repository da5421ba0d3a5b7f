#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  refuseOtherCandidate,
  runCommand
} from "./chunk-OJAPDEQG.js";
import "./chunk-GNAPWX64.js";
import "./chunk-7KC6R7G7.js";
import "./chunk-A45IFUY5.js";
import "./chunk-4C2C424M.js";
export {
  refuseOtherCandidate,
  runCommand
};
