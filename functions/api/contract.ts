import * as z from 'zod';
import { IsoTimestamp } from '../kernel/http/contract';

/** The API's own routes: liveness and the OpenAPI document. */
export const HealthResponse = z.object({ status: z.literal('ok'), time: IsoTimestamp });

export const API_CONTRACT = {
  getHealth: { responses: { 200: HealthResponse } },
  getOpenApi: { responses: { 200: z.record(z.string(), z.unknown()) } },
} as const;
