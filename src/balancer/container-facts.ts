import { posix } from 'node:path';

// What `docker inspect` says about a balancer's container, and where a host file appears in it.

export interface Mount {
  source: string;
  destination: string;
}

export interface ContainerFacts {
  running: boolean;
  /** Docker's state word: running, exited, restarting … */
  status: string;
  /** Host PID of the container's main process (0 when it does not run). */
  pid: number;
  /** The container's full ID (its cgroup's name on the host). */
  id: string;
  /** The user `docker exec` runs as (Config.User; empty: the image's default, root). */
  user: string;
  /** The PATH `docker exec` runs with (from Config.Env), if the container sets one. */
  path?: string;
  mounts: Mount[];
}

/** Parses `docker inspect --type container NAME` (a JSON array of one object). */
export function parseInspect(json: string): ContainerFacts {
  const [first] = JSON.parse(json) as {
    Id?: string;
    Config?: { User?: string; Env?: string[] };
    State?: { Running?: boolean; Status?: string; Pid?: number };
    Mounts?: { Source?: string; Destination?: string }[];
  }[];
  return {
    running: first?.State?.Running === true,
    status: first?.State?.Status ?? 'unknown',
    pid: first?.State?.Pid ?? 0,
    id: first?.Id ?? '',
    user: first?.Config?.User ?? '',
    ...pathOf(first?.Config?.Env),
    mounts: (first?.Mounts ?? []).flatMap((m) =>
      m.Source && m.Destination ? [{ source: m.Source, destination: m.Destination }] : [],
    ),
  };
}

function pathOf(env: string[] | undefined): { path?: string } {
  const path = env?.find((e) => e.startsWith('PATH='))?.slice('PATH='.length);
  return path !== undefined ? { path } : {};
}

/**
 * The path inside the container of host file `file`: a mount of the file itself, or of a
 * directory holding it (the deepest such mount wins, as in the container's view).
 */
export function findMount(mounts: Mount[], file: string): string | undefined {
  let best: { depth: number; inside: string } | undefined;
  for (const m of mounts) {
    const source = m.source.replace(/\/+$/, '') || '/';
    let inside: string | undefined;
    if (source === file) inside = m.destination;
    else if (file.startsWith(source === '/' ? '/' : `${source}/`))
      inside = posix.join(m.destination, posix.relative(source, file));
    if (inside !== undefined && (!best || source.length > best.depth))
      best = { depth: source.length, inside };
  }
  return best?.inside;
}
