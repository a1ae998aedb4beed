// The console's browser tests start npm start's runtime and drive Chromium: seconds per test, more under load.
jest.setTimeout(120_000);
