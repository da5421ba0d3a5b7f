#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  refuseOtherCandidate,
  runCommand
} from "./chunk-PWUANFW3.js";
import "./chunk-V3I36CO6.js";
import "./chunk-EQ46OQ7U.js";
import "./chunk-7KC6R7G7.js";
import "./chunk-JKTF3L2F.js";
import "./chunk-VVSAQYFU.js";
import "./chunk-CEACHMP3.js";
export {
  refuseOtherCandidate,
  runCommand
};
