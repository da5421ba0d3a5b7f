#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  refuseOtherCandidate,
  runCommand
} from "./chunk-F44QZXDT.js";
import "./chunk-555I3HOJ.js";
import "./chunk-TRH7U6LD.js";
import "./chunk-VVSAQYFU.js";
import "./chunk-X4IEUISD.js";
export {
  refuseOtherCandidate,
  runCommand
};
