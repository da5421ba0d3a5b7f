#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));
import {
  PATTERNS,
  isHost
} from "./chunk-Y73W57ZB.js";

// src/config/proxy-jump.ts
function parseHop(text) {
  const m = /^(?:ssh:\/\/)?(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return `expected [user@]host[:port], got ${JSON.stringify(text)}`;
  const [, user, rawHost, rawPort] = m;
  const host = rawHost.replace(/^\[(.*)\]$/, "$1");
  if (user !== void 0 && !PATTERNS.username.test(user))
    return `${JSON.stringify(user)} in ${JSON.stringify(text)} is not a Unix user name`;
  if (!isHost(host))
    return `expected [user@]host[:port] with a host name (letters, digits, dots, hyphens) or an IP address, got ${JSON.stringify(text)}`;
  const port = rawPort === void 0 ? void 0 : Number(rawPort);
  if (port !== void 0 && (port < 1 || port > 65535))
    return `port ${rawPort} in ${JSON.stringify(text)} is not between 1 and 65535`;
  return { ...user !== void 0 ? { user } : {}, host, ...port !== void 0 ? { port } : {} };
}
function parseHops(value) {
  const parts = typeof value === "string" ? value.split(",") : [...value];
  if (parts.length === 1 && parts[0].trim() === "none") return [];
  if (parts.length === 0) return "expected at least one jump host (or none)";
  const hops = [];
  for (const part of parts) {
    const hop = parseHop(part);
    if (typeof hop === "string") return parts.length > 1 ? `${hop} in ${JSON.stringify(value)}` : hop;
    hops.push(hop);
  }
  return hops;
}
function formatHop(hop) {
  const host = hop.host.includes(":") ? `[${hop.host}]` : hop.host;
  return `${hop.user ? `${hop.user}@` : ""}${host}${hop.port ? `:${hop.port}` : ""}`;
}

export {
  parseHop,
  parseHops,
  formatHop
};
