// jest 30 takes `testTimeout` from the global configuration only: a value inside `projects` is ignored
// (tests ran with the 5 s default). Each project's time limit is set here instead, by the suite's folder.
const LIMITS = { integration: 30_000, console: 120_000, infra: 120_000 };
const folder = /[\\/]test[\\/](\w+)[\\/]/.exec(expect.getState().testPath ?? '')?.[1];
if (folder && LIMITS[folder]) jest.setTimeout(LIMITS[folder]);
