import type { EventSchemas } from '../../upcasting/event-schemas.js';

/**
 * A versioned event as the conformance suite and store tests use it:
 * `LicenseGranted` v1 `{ customer, ... }` → v2 adds `region` (default `'eu'`)
 * → v3 renames `customer` to `customerId`. Stores write raw v1 rows (as an
 * old release would have) and check that every read path shows v3.
 */
export const legacyLicenseSchemas = {
  LicenseGranted: {
    version: 3,
    upcasters: {
      1: (e) => ({ type: e.type, data: { ...(e.data as object), region: 'eu' } }),
      2: (e) => {
        const { customer, ...rest } = e.data as { customer: string };
        return { type: e.type, data: { ...rest, customerId: customer } };
      },
    },
  },
} satisfies EventSchemas;
