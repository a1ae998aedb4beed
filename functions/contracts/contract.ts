import * as z from 'zod';
import { CurrencyCode, DecimalString, IsoTimestamp, listOf, MinorUnits, OrgPath } from '../kernel/http/contract';
import { METERS } from '../kernel/pricing/plans';
import { CONTRACT_STATUSES } from './domain/contract';

/** HTTP contract of the contracts capability. */
const Instant = z.iso.datetime({ offset: true }).describe('an RFC 3339 instant');
const Allowance = z.strictObject({
  llm_tokens: z.number().int().min(0).optional(),
  tool_invocations: z.number().int().min(0).optional(),
  agent_runs: z.number().int().min(0).optional(),
});

const TermsFields = {
  name: z.string().trim().min(1).max(200),
  currency: CurrencyCode,
  term: z.strictObject({ start: Instant, end: Instant }),
  commit: z.strictObject({
    type: z.enum(['prepaid', 'postpaid']),
    years: z
      .array(z.strictObject({ amount_minor: MinorUnits }))
      .min(1)
      .max(10),
  }),
  rates: z
    .strictObject({
      discount_percent: DecimalString.default('0').describe('off the list price for what the rate card does not name'),
      overrides: z
        .array(
          z.strictObject({
            meter: z.string().min(1).max(64),
            model: z.string().min(1).max(120).optional(),
            unit_amount_decimal: DecimalString.describe('minor units per unit'),
          }),
        )
        .max(100)
        .default([]),
    })
    .default({ discount_percent: '0', overrides: [] }),
  platform_fee_minor: MinorUnits.default(0),
  included: Allowance.default({}),
  net_days: z
    .number()
    .int()
    .min(0)
    .max(120)
    .default(0)
    .describe('0: charged automatically; else days to pay a sent invoice'),
  terms_text: z.string().max(20_000).optional(),
  on_end: z.strictObject({ plan_id: z.string().min(1).max(64) }).default({ plan_id: 'free' }),
  on_termination: z.enum(['waive', 'invoice']).default('waive').describe('what happens to the commitment left'),
};

export const CreateContractRequest = z.strictObject(TermsFields);
export const UpdateContractRequest = z.strictObject(
  Object.fromEntries(Object.entries(TermsFields).map(([k, v]) => [k, (v as z.ZodType).optional()])) as {
    [K in keyof typeof TermsFields]: z.ZodOptional<(typeof TermsFields)[K]>;
  },
);

const Signatory = z.strictObject({
  name: z.string().trim().min(1).max(200),
  email: z.email(),
  title: z.string().trim().min(1).max(200).optional(),
});

export const TransitionRequest = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('submit') }),
  z.strictObject({ action: z.literal('void') }),
  z.strictObject({ action: z.literal('sign'), signatory: Signatory }),
  z.strictObject({ action: z.literal('terminate'), effective_at: Instant, reason: z.string().trim().min(1).max(1000) }),
  z.strictObject({ action: z.literal('amend'), effective_at: Instant, changes: UpdateContractRequest.optional() }),
]);

const YearWire = z.object({
  index: z.number().int(),
  start: IsoTimestamp,
  end: IsoTimestamp,
  committed_minor: MinorUnits,
});

const VersionWire = z.object({
  id: z.string(),
  org_id: z.string(),
  version: z.number().int(),
  status: z.enum(CONTRACT_STATUSES),
  name: z.string(),
  currency: z.string(),
  term: z.object({ start: IsoTimestamp, end: IsoTimestamp }),
  years: z.array(YearWire),
  commit: z.object({ type: z.enum(['prepaid', 'postpaid']), years: z.array(z.object({ amount_minor: MinorUnits })) }),
  rates: z.object({
    discount_percent: DecimalString,
    overrides: z.array(
      z.object({ meter: z.enum(METERS), model: z.string().nullable(), unit_amount_decimal: DecimalString }),
    ),
  }),
  rate_sheet: z
    .array(
      z.object({
        meter: z.enum(METERS),
        model: z.string().nullable(),
        unit_amount_decimal: DecimalString.describe('minor units per unit, as usage is rated under this version'),
        tiers: z
          .array(z.object({ up_to: z.number().int().nullable(), unit_amount_decimal: DecimalString }))
          .nullable()
          .describe('graduated tiers (each rate discounted), when the list price has them'),
        list_unit_amount_decimal: DecimalString.nullable().describe('the list (Pro) price; null: not on the list'),
        source: z.enum(['override', 'discounted_list']),
      }),
    )
    .describe('the prices this version rates usage at: each list price discounted, unless the rate card names it'),
  platform_fee_minor: MinorUnits,
  included: Allowance,
  net_days: z.number().int(),
  terms_text: z.string().nullable(),
  on_end: z.object({ plan_id: z.string() }),
  on_termination: z.enum(['waive', 'invoice']),
  amends: z.object({ version: z.number().int(), effective_at: IsoTimestamp }).nullable(),
  signatory: Signatory.nullable(),
  signed_at: IsoTimestamp.nullable(),
  active_from: IsoTimestamp.nullable().describe('in force from (never before the signature)'),
  active_until: IsoTimestamp.nullable(),
  terminated_at: IsoTimestamp.nullable(),
  termination_reason: z.string().nullable(),
  created_at: IsoTimestamp,
  updated_at: IsoTimestamp,
});

export const ContractResponse = VersionWire.extend({
  amendment: VersionWire.nullable().describe('a newer version being drafted or awaiting signature'),
});

export const UtilizationResponse = z.object({
  as_of: IsoTimestamp.describe('when consumption was read and the projection made'),
  contract_id: z.string(),
  version: z.number().int(),
  currency: z.string(),
  current_year: z.number().int().nullable(),
  years: z.array(
    z.object({
      index: z.number().int(),
      start: IsoTimestamp,
      end: IsoTimestamp,
      committed_minor: MinorUnits,
      consumed_minor: MinorUnits,
      remaining_minor: MinorUnits,
      percent_used: DecimalString.nullable(),
      overage_minor: MinorUnits,
      by_meter: z.array(
        z.object({
          meter: z.enum(METERS),
          model: z.string().nullable(),
          quantity: z.number().int(),
          amount_minor: MinorUnits,
        }),
      ),
      by_period: z
        .array(
          z.object({
            period: z.string().describe('the billing period (YYYY-MM)'),
            from: IsoTimestamp,
            to: IsoTimestamp,
            consumed_minor: MinorUnits,
          }),
        )
        .describe(
          'consumed per billing period, in the part of it inside the year and in force (up to now), oldest first; they add up to consumed_minor: the year burn-down',
        ),
    }),
  ),
  projection: z
    .object({
      method: z.string(),
      burn_rate_per_day_minor: MinorUnits,
      projected_year_minor: MinorUnits,
      exhausted_at: IsoTimestamp.nullable(),
      shortfall_minor: MinorUnits.nullable(),
    })
    .nullable(),
});

export const ContractEventResponse = z.object({
  id: z.string(),
  contract_id: z.string(),
  version: z.number().int(),
  action: z.string(),
  at: IsoTimestamp,
  effective_at: IsoTimestamp,
  actor: z.object({ type: z.string(), id: z.string(), role: z.string().optional() }),
  before: z.unknown(),
  after: z.unknown(),
});

const ContractPath = z.object({ org: OrgPath.shape.org, id: z.string().min(1).max(64) });

export const CONTRACTS_CONTRACT = {
  listContracts: { params: OrgPath, responses: { 200: listOf(ContractResponse) } },
  createContract: { params: OrgPath, body: CreateContractRequest, responses: { 201: ContractResponse } },
  getContract: { params: ContractPath, responses: { 200: ContractResponse } },
  updateContract: { params: ContractPath, body: UpdateContractRequest, responses: { 200: ContractResponse } },
  transitionContract: { params: ContractPath, body: TransitionRequest, responses: { 200: ContractResponse } },
  getContractUtilization: { params: ContractPath, responses: { 200: UtilizationResponse } },
  getContractHistory: { params: ContractPath, responses: { 200: listOf(ContractEventResponse) } },
} as const;

export const ContractRecord = z.object({
  id: z.string(),
  created_at: IsoTimestamp.describe('when its first version was drafted'),
  current: ContractResponse.describe('as `GET …/contracts/{id}` answers'),
  versions: z.array(VersionWire).describe('every version, oldest first'),
  history: z.array(ContractEventResponse).describe('every version drafted and transition, oldest first'),
  utilization: UtilizationResponse.describe('per contract year (as `GET …/contracts/{id}/utilization` answers)'),
});

/** The sections of the billing export this capability contributes, with their schemas. */
export const CONTRACTS_EXPORT_SECTIONS = { contracts: ContractRecord } as const;
