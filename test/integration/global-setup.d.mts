/** Starts the integration stack (DynamoDB Local + fauxqs) and exports its endpoints to process.env. */
export default function globalSetup(): Promise<void>;
