/** Stops the integration stack; on a full jest run, checks that every route was requested. */
export default function globalTeardown(globalConfig: object): Promise<void>;
