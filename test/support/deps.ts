/** Every capability's dependencies over one kernel: see scripts/local/all-deps.ts. */
export { buildDeps, type Deps, setDepsForTesting } from '../../scripts/local/all-deps';
