#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import{refuseOtherCandidate,runCommand}from"./chunk-SIR3LTRD.js";import"./chunk-MX7JZYYV.js";import"./chunk-RZWYSKFR.js";import"./chunk-NNKF4UZR.js";export{refuseOtherCandidate,runCommand};
