// One ordered record of everything the fakes were asked to do, across hosts, balancers,
// checks, the state record and the lock: what tests read to pin the order of a run's steps.
//
// Lines look like:
//   g1$ docker pull --quiet registry.test:5000/team/app:2.0.0     a command on host g1
//   lb: apply 10.0.1.1:8000 10.0.2.1:8000                        a balancer change (its servers)
//   check http://10.0.2.1:8000/ ok                               an HTTP check and its verdict
//   state: live green 1.0.0, candidate blue 2.0.0                a write of the state record
//   lock: acquire deploy                                         the run lock

export class Journal {
  readonly lines: string[] = [];

  add(line: string): void {
    this.lines.push(line);
  }

  /** The lines matching `pattern`, in order. */
  matching(pattern: RegExp): string[] {
    return this.lines.filter((l) => pattern.test(l));
  }

  /** Index of the first line matching `pattern` (-1 if none). */
  first(pattern: RegExp): number {
    return this.lines.findIndex((l) => pattern.test(l));
  }

  /** Index of the last line matching `pattern` (-1 if none). */
  last(pattern: RegExp): number {
    return this.lines.findLastIndex((l) => pattern.test(l));
  }
}
