// One place that decides which strings may reach a remote shell or an nginx file.
// Everything is still quoted before it reaches a shell; these rules exist so that a
// typo or a hostile value is refused with a clear message before any host is touched.

export const PATTERNS = {
  // RFC 1123 host name (labels of letters, digits and hyphens) or an IPv4 address.
  hostname:
    /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
  ipv4: /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/,
  ipv6: /^\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]?$/,
  // Docker tag grammar.
  tag: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/,
  // Docker repository: optional registry host[:port], then lowercase path components.
  image:
    /^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/,
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
  nodeLabel: /^([A-Za-z0-9][A-Za-z0-9_.-]{0,62})=([A-Za-z0-9_.-]{1,63})$/,
} as const;

export function isHost(s: string): boolean {
  return PATTERNS.hostname.test(s) || PATTERNS.ipv4.test(s) || (s.includes(':') && PATTERNS.ipv6.test(s));
}

export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** Printable text without control characters (newlines, NUL, escape sequences). */
export function isPrintable(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u001f\u007f]/.test(s);
}

export function describeHostRule(): string {
  return 'a host name (letters, digits, dots, hyphens) or an IP address';
}
