import * as core from '@actions/core';
import { formatStepLine, type Logger } from '../util/log.js';

// The engine's Logger on the Actions log: groups fold each phase, and warnings and errors
// become annotations titled with the host they concern, so a failed host shows on the run
// page without opening the log. The runner cannot nest groups: an inner one is a heading.

export function actionLogger(): Logger {
  let depth = 0;
  const props = (host?: string): core.AnnotationProperties | undefined =>
    host ? { title: host } : undefined;
  return {
    info: (message) => core.info(message),
    warn: (message, host) => core.warning(message, props(host)),
    error: (message, host) => core.error(message, props(host)),
    hostStep: (host, step, ok, ms, detail) => core.info(formatStepLine(host, step, ok, ms, detail)),
    group: async (title, fn) => {
      if (depth > 0) {
        core.info(`-- ${title}`);
        return fn();
      }
      depth++;
      try {
        return await core.group(title, fn);
      } finally {
        depth--;
      }
    },
  };
}
