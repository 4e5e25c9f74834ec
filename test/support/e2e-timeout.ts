// End-to-end tests start servers, browsers and brokers: 60 s per test and hook, unless a file sets
// its own. (Jest reads `testTimeout` only at the top level, not per project.)
jest.setTimeout(60_000);
