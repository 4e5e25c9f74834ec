// The local SCIM 2.0 server in its own process, so the benchmark's client side and the target do
// not share a CPU budget unevenly. Prints its URL on stdout and serves until killed.
import { FakeScimServer } from '../test/fakes/scim-server';
import { BENCH_SCIM_PASSWORD } from './bench-support';

void new FakeScimServer('2.0', { basic: ['bench', BENCH_SCIM_PASSWORD] }).start().then((server) => {
  // Keep memory flat over many runs: the benchmark never reads the request log.
  server.requests.push = () => 0;
  process.stdout.write(`${server.url}\n`);
});
