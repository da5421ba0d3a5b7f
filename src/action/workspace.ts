import { getExecOutput } from '@actions/exec';
import { UsageError } from '../errors.js';

// `build:` builds what is checked out. The image is tagged with the commit being deployed,
// so the two must be the same commit: a PR comment's workflow checks out the default branch
// (never the pull request's code), and building there would ship the default branch's code
// under the pull request's SHA.

/** The commit checked out in `dir`, or undefined when it is not in a git work tree. */
export async function checkedOutCommit(dir: string): Promise<string | undefined> {
  try {
    const res = await getExecOutput('git', ['-C', dir, 'rev-parse', 'HEAD'], {
      silent: true,
      ignoreReturnCode: true,
    });
    return res.exitCode === 0 ? res.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

export async function refuseBuildOfOtherCommit(buildContext: string, deploying: string): Promise<void> {
  const head = await checkedOutCommit(buildContext);
  if (head === deploying) return;
  throw new UsageError(
    head === undefined
      ? `build: cannot tell which commit ${buildContext} holds (not a git checkout?), so an image built there might not be ${deploying}: check out ${deploying}, or publish the image from CI and remove build from the config`
      : `build: the workspace holds ${head} but this run deploys ${deploying}: the image would be built from other code than the commit it is tagged with. Publish the image from CI (tag: the full commit SHA) and remove build from the config, or deploy ${head}`,
  );
}
