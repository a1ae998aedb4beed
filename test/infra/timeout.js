// Synthesizing the stacks and bundling every function takes seconds, more under load.
jest.setTimeout(120_000);
