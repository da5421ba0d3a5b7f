#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  refuseOtherCandidate,
  runCommand
} from "./chunk-OMSRH42K.js";
import "./chunk-GNAPWX64.js";
import "./chunk-TF4VU3WQ.js";
import "./chunk-4C2C424M.js";
export {
  refuseOtherCandidate,
  runCommand
};
