#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __require = /* @__PURE__ */ ((x) => typeof require !== "undefined" ? require : typeof Proxy !== "undefined" ? new Proxy(x, {
  get: (a, b) => (typeof require !== "undefined" ? require : a)[b]
}) : x)(function(x) {
  if (typeof require !== "undefined") return require.apply(this, arguments);
  throw Error('Dynamic require of "' + x + '" is not supported');
});
var __commonJS = (cb, mod) => function __require2() {
  return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// src/errors.ts
var UsageError = class extends Error {
  name = "UsageError";
  exitCode = 2;
};
var DeployError = class extends Error {
  constructor(message, host) {
    super(message);
    this.host = host;
  }
  name = "DeployError";
  exitCode = 1;
  /** Set when the failed change was undone (the action reports `rolled_back`). */
  rolledBack = false;
};
function exitCodeOf(err) {
  if (err instanceof UsageError) return 2;
  return 1;
}
function messageOf(err) {
  return err instanceof Error ? err.message : String(err);
}

// src/config/validators.ts
var PATTERNS = {
  // RFC 1123 host name (labels of letters, digits and hyphens) or an IPv4 address.
  hostname: /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
  ipv4: /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/,
  ipv6: /^\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]?$/,
  // Docker tag grammar.
  tag: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/,
  // Docker repository: optional registry host[:port], then lowercase path components.
  image: /^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/,
  appName: /^[a-z0-9][a-z0-9_.-]{0,62}$/,
  envKey: /^[A-Za-z_][A-Za-z0-9_]*$/,
  // docker run options: flags and values without shell syntax or white space.
  dockerOption: /^[A-Za-z0-9_.,:=/@+%-]+$/,
  upstreamName: /^[A-Za-z0-9_.-]+$/,
  // Docker's own rule for container names.
  containerName: /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/,
  // A path on a remote host: absolute, no white space, quotes or shell syntax.
  remotePath: /^(?!.*\/\.\.(?:\/|$))\/[A-Za-z0-9_.,:@+/-]*$/,
  urlPath: /^\/[A-Za-z0-9_.~!$&'()*+,;=:@%/?-]*$/,
  username: /^[a-z_][a-z0-9_-]*[$]?$/,
  // A Swarm node label KEY=VALUE (what a placement constraint node.labels.KEY==VALUE can name).
  nodeLabel: /^([A-Za-z0-9][A-Za-z0-9_.-]{0,62})=([A-Za-z0-9_.-]{1,63})$/
};
function isHost(s) {
  return PATTERNS.hostname.test(s) || PATTERNS.ipv4.test(s) || s.includes(":") && PATTERNS.ipv6.test(s);
}
function isPrintable(s) {
  return !/[\u0000-\u001f\u007f]/.test(s);
}

export {
  __require,
  __commonJS,
  __export,
  __toESM,
  UsageError,
  DeployError,
  exitCodeOf,
  messageOf,
  PATTERNS,
  isHost,
  isPrintable
};
