#!/usr/bin/env node
import { createRequire as __bgRequire } from 'node:module'; import { fileURLToPath as __bgPath } from 'node:url'; const require = __bgRequire(import.meta.url); const __filename = __bgPath(import.meta.url); const __dirname = __bgPath(new URL('.', import.meta.url));

// src/commands/shell.ts
var SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;
function quote(value) {
  if (value.includes("\0")) throw new Error("a shell argument cannot contain a NUL byte");
  if (SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
function sh(...argv) {
  return argv.map(quote).join(" ");
}

// src/ssh/known-hosts.ts
import { createHash, createHmac } from "node:crypto";
var KnownHosts = class {
  entries = [];
  constructor(text = "") {
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (!line || line.startsWith("#")) continue;
      const parts = line.split(/\s+/);
      let revoked = false;
      if (parts[0]?.startsWith("@")) {
        const marker = parts.shift();
        if (marker !== "@revoked") continue;
        revoked = true;
      }
      const [names, type, key] = parts;
      if (!names || !type || !key) continue;
      const entry = { patterns: [], key: { type, key, revoked } };
      if (names.startsWith("|1|")) {
        const [, , salt, hash] = names.split("|");
        if (!salt || !hash) continue;
        entry.hashed = { salt: Buffer.from(salt, "base64"), hash };
      } else {
        entry.patterns = names.split(",");
      }
      this.entries.push(entry);
    }
  }
  get size() {
    return this.entries.length;
  }
  /** Keys recorded for host:port (port 22 is written as the bare host name). */
  lookup(host, port) {
    const name = port === 22 ? host : `[${host}]:${port}`;
    return this.entries.filter((e) => matches(e, name)).map((e) => e.key);
  }
};
function matches(entry, name) {
  if (entry.hashed) {
    const digest = createHmac("sha1", entry.hashed.salt).update(name).digest("base64");
    return digest === entry.hashed.hash;
  }
  let hit = false;
  for (const p of entry.patterns) {
    const negated = p.startsWith("!");
    const pattern = negated ? p.slice(1) : p;
    if (globMatch(pattern.toLowerCase(), name.toLowerCase())) {
      if (negated) return false;
      hit = true;
    }
  }
  return hit;
}
function globMatch(pattern, name) {
  if (!/[*?]/.test(pattern)) return pattern === name;
  const re = new RegExp(
    `^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`
  );
  return re.test(name);
}
function fingerprint(keyBlob) {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}
function checkHostKey(policy, host, port, keyBlob, alias) {
  if (policy.kind === "insecure") return { ok: true };
  const presented = keyBlob.toString("base64");
  const fp = fingerprint(keyBlob);
  const names = alias !== void 0 && alias !== host ? [host, alias] : [host];
  const pinned = names.flatMap((n) => [policy.fingerprints[n], policy.fingerprints[`${n}:${port}`]]).find((f) => f !== void 0);
  const known = policy.knownHosts.lookup(host, port);
  if (known.some((k) => k.revoked && k.key === presented))
    return { ok: false, reason: `host key ${fp} of ${host} is marked @revoked` };
  if (pinned !== void 0) {
    return pinned === fp ? { ok: true } : {
      ok: false,
      reason: `host key of ${host} is ${fp}, but ${pinned} is pinned: the key changed or this is not the host you meant`
    };
  }
  const trusted = known.filter((k) => !k.revoked);
  if (trusted.length === 0) {
    return {
      ok: false,
      reason: `${host}${port === 22 ? "" : `:${port}`} is not in known_hosts (add its key, e.g. ssh-keyscan -p ${port} ${host}, after checking it)`
    };
  }
  if (trusted.some((k) => k.key === presented)) return { ok: true };
  return {
    ok: false,
    reason: `host key of ${host} (${fp}) does not match known_hosts: the key changed or this is not the host you meant`
  };
}
function hostKeyAlgorithms(policy, host, port) {
  if (policy.kind === "insecure") return void 0;
  const types = [
    ...new Set(
      policy.knownHosts.lookup(host, port).filter((k) => !k.revoked).map((k) => k.type)
    )
  ];
  return types.length ? types : void 0;
}

export {
  sh,
  KnownHosts,
  fingerprint,
  checkHostKey,
  hostKeyAlgorithms
};
