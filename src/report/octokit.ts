import type * as github from '@actions/github';

// The GitHub client types shared by the reporter (src/report) and the action (src/action).

export type Octokit = ReturnType<typeof github.getOctokit>;

/** The repository every API call is about. */
export interface RepoRef {
  owner: string;
  repo: string;
}
