import * as github from '@actions/github';

export type Octokit = ReturnType<typeof github.getOctokit>;

/** The repository every API call is about. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/**
 * @actions/github reads GITHUB_API_URL once, when it is imported; passing it again here
 * makes the choice explicit (GitHub Enterprise Server, and the tests' fake GitHub).
 */
export function octokitFor(token: string, apiUrl: string): Octokit {
  return github.getOctokit(token, { baseUrl: apiUrl.replace(/\/+$/, '') });
}
