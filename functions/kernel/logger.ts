import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured JSON logger for every Lambda (Powertools): service name, cold start and the request
 * id are added per invocation. Never log tokens, secrets, card data or raw webhook bodies.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'billing' });
