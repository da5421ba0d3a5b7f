#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import{expectedAt,loadConfig,parseConfig,registryHostOf,validateConfig}from"./chunk-F75E54HJ.js";import"./chunk-MX7JZYYV.js";import{validateVersion}from"./chunk-TJ6H5M4X.js";import"./chunk-NNKF4UZR.js";export{expectedAt,loadConfig,parseConfig,registryHostOf,validateConfig,validateVersion};
