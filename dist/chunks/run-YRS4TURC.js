#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  refuseOtherCandidate,
  runCommand
} from "./chunk-HGCQD7PP.js";
import "./chunk-XTSSKOCU.js";
import "./chunk-Y3WAZMHP.js";
import "./chunk-Y73W57ZB.js";
export {
  refuseOtherCandidate,
  runCommand
};
