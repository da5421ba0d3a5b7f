#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));

// src/deploy/outcome.ts
var COMMAND_NAMES = ["deploy", "promote", "rollback", "scale", "prune", "status"];
var Recorder = class {
  byHost = /* @__PURE__ */ new Map();
  record(host, pool, step) {
    let r = this.byHost.get(host);
    if (!r) {
      r = { host, pool, steps: [] };
      this.byHost.set(host, r);
    }
    r.steps.push(step);
  }
  get hosts() {
    return [...this.byHost.values()];
  }
};

export {
  COMMAND_NAMES,
  Recorder
};
