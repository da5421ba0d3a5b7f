#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  PATTERNS,
  UsageError
} from "./chunk-CEACHMP3.js";

// src/config/version.ts
function validateVersion(version, field = "version") {
  if (!version) throw new UsageError(`${field}: is required (the image tag to deploy, e.g. 2.0.0)`);
  if (!PATTERNS.tag.test(version)) {
    throw new UsageError(
      `${field}: ${JSON.stringify(version)} is not a valid image tag (letters, digits, _ . -, at most 128, not starting with . or -)`
    );
  }
  return version;
}

export {
  validateVersion
};
