import * as github from '@actions/github';
import type { Octokit } from '../report/octokit.js';

export type { Octokit, RepoRef } from '../report/octokit.js';

/**
 * @actions/github reads GITHUB_API_URL once, when it is imported; passing it again here
 * makes the choice explicit (GitHub Enterprise Server, and the tests' fake GitHub).
 */
export function octokitFor(token: string, apiUrl: string): Octokit {
  return github.getOctokit(token, { baseUrl: apiUrl.replace(/\/+$/, '') });
}
