// Runs graphql-http's server audits (the GraphQL over HTTP spec) against a
// running Bangfu server: `node tests/audit/audit.mjs <url> <token>`.
// Every request carries the bearer token, since Bangfu answers 401 without one.
// Prints one line per audit and a summary; exits 1 on any failed MUST (error)
// or SHOULD (warning), 2 when it cannot run. Failed MAYs (notices) are printed
// and do not fail the run.
import { serverAudits } from 'graphql-http';

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node audit.mjs <url of /graphql> <bearer token>');
  process.exit(2);
}

// Each request is bounded so that a server that never answers fails the run
// instead of hanging it.
const TIMEOUT_MS = 15_000;

function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const { fn } of serverAudits({ url, fetchFn })) {
  let result;
  try {
    result = await fn();
  } catch (error) {
    // An audit throws (rather than reporting) only when it could not run at all.
    console.log(`error  ????  could not run an audit: ${error}`);
    counts.error += 1;
    continue;
  }
  counts[result.status] += 1;
  const line = `${result.status.padEnd(6)} ${result.id}  ${result.name}`;
  if (result.status === 'ok') {
    console.log(line);
  } else {
    let body = '';
    try {
      body = (await result.response.text()).slice(0, 300);
    } catch {
      // The body was already read by the audit.
    }
    const type = result.response.headers.get('content-type');
    console.log(`${line}\n       ${result.reason} (status ${result.response.status}, ${type}) ${body}`);
  }
}

console.log(
  `audit: ${counts.ok} ok, ${counts.error} failures (MUST), ${counts.warn} warnings (SHOULD), ${counts.notice} notices (MAY)`,
);
process.exit(counts.error + counts.warn > 0 ? 1 : 0);
