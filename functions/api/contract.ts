import * as z from 'zod';
import { IsoTimestamp } from '../kernel/http/contract';

/** The API's own routes: liveness and the OpenAPI document. */
export const HealthResponse = z.object({
  status: z.literal('ok'),
  now: IsoTimestamp.describe('the product clock'),
  time: IsoTimestamp.describe('the same as `now` (kept for older clients)'),
  clock: z.object({ speed: z.number().describe('how many times faster than real time the product clock runs') }),
});

export const API_CONTRACT = {
  getHealth: { responses: { 200: HealthResponse } },
  getOpenApi: { responses: { 200: z.record(z.string(), z.unknown()) } },
} as const;
