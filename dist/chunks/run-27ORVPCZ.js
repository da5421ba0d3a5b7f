#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  refuseOtherCandidate,
  runCommand
} from "./chunk-EDNR2BSV.js";
import "./chunk-TVYSKDZY.js";
import "./chunk-DLH7TSQ6.js";
import "./chunk-VVSAQYFU.js";
import "./chunk-OANLFM4I.js";
export {
  refuseOtherCandidate,
  runCommand
};
