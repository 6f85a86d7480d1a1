import { call, type CallOptions } from './client';
import type { WireEvent } from './types';

/** `GET /v1/customers/:id/downloads` of the Downloads service. */
export type CustomerDownloads = {
  readonly customerId: string;
  readonly activeLicenses: readonly {
    readonly licenseId: string;
    readonly deviceId: string;
    readonly titleId: string;
    readonly studioId: string;
    readonly acquiredAt: string;
    readonly expiresAt: string;
    readonly expired: boolean;
  }[];
  readonly titles: readonly { readonly titleId: string; readonly downloadsThisYear: number; readonly limit: number; readonly remaining: number }[];
  readonly devices: readonly string[];
  readonly studios: readonly { readonly studioId: string; readonly active: number; readonly limit: number }[];
  readonly deactivationsThisYear: number;
  readonly limits: { readonly devicesPerAccount: number; readonly deactivationsPerYear: number };
};

/** `GET /v1/customers/:id/events`: the debugging dump. */
export type CustomerEvents = { readonly customerId: string; readonly count: number; readonly events: readonly WireEvent[] };

const customer = (id: string): string => `/v1/customers/${encodeURIComponent(id)}`;

/** The Downloads service's customer endpoints (present only on that app). */
export const downloads = {
  summary: (customerId: string, o?: CallOptions) => call<CustomerDownloads>(`${customer(customerId)}/downloads`, o),
  events: (customerId: string, o?: CallOptions) => call<CustomerEvents>(`${customer(customerId)}/events`, o),
};

/** One change of the Downloads rules (`GET /v1/rules/history`). */
export type RulesChange = {
  readonly version: number;
  readonly globalPosition: number;
  readonly recordedAt: string;
  readonly at: string;
  readonly changedBy: string;
  readonly source: string;
  readonly previous: Record<string, unknown> | null;
  readonly rules: Record<string, unknown>;
};

/** The rules history of the Downloads service: every change, oldest first. */
export const rules = {
  history: (o?: CallOptions) => call<{ readonly version: number; readonly changes: readonly RulesChange[] }>('/v1/rules/history', o),
};
