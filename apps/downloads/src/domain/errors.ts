import { DomainError } from '@chronicle/core';

/** A title was downloaded as often as the rules allow in the last 365 days. */
export class YearlyLimitReachedError extends DomainError {
  constructor(readonly titleId: string, readonly limit: number, readonly nextAvailableAt: string | undefined) {
    super('YEARLY_LIMIT_REACHED', `title ${titleId} was downloaded ${limit} times in the last 365 days${nextAvailableAt ? `; the next download is possible at ${nextAvailableAt}` : ''}`);
  }
}

/** The account has active licenses on as many devices as allowed. */
export class DeviceLimitReachedError extends DomainError {
  constructor(readonly limit: number, readonly devices: readonly string[]) {
    super('DEVICE_LIMIT_REACHED', `the account already has downloads on ${devices.length} devices (limit ${limit}); release or deactivate one first`);
  }
}

/** The account has as many concurrent licenses for this studio as allowed. */
export class StudioLimitReachedError extends DomainError {
  constructor(readonly studioId: string, readonly limit: number) {
    super('STUDIO_LIMIT_REACHED', `the account already holds ${limit} active licenses for studio ${studioId}`);
  }
}

/** A released license can never be renewed. */
export class LicenseReleasedError extends DomainError {
  constructor(readonly licenseId: string) {
    super('LICENSE_RELEASED', `license ${licenseId} was released and cannot be renewed`);
  }
}

/** No such license. */
export class LicenseNotFoundError extends DomainError {
  constructor(readonly licenseId: string) {
    super('LICENSE_NOT_FOUND', `license ${licenseId} does not exist`);
  }
}

/** Remote deactivations are limited per rolling year. */
export class DeactivationLimitReachedError extends DomainError {
  constructor(readonly limit: number) {
    super('DEACTIVATION_LIMIT_REACHED', `devices were deactivated ${limit} times in the last 365 days`);
  }
}

/** The device never held a license of the customer asking. */
export class DeviceNotOwnedError extends DomainError {
  constructor(readonly deviceId: string) {
    super('DEVICE_NOT_OWNED', `device ${deviceId} has no licenses of this customer`);
  }
}

/** An Idempotency-Key reused for a different request. */
export class IdempotencyKeyReusedError extends DomainError {
  constructor(readonly key: string) {
    super('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key ${key} was already used for a different request`);
  }
}

/** HTTP statuses of the Downloads codes. */
export const downloadsCodeStatus = {
  YEARLY_LIMIT_REACHED: 409,
  DEVICE_LIMIT_REACHED: 409,
  STUDIO_LIMIT_REACHED: 409,
  LICENSE_RELEASED: 409,
  LICENSE_NOT_FOUND: 404,
  DEACTIVATION_LIMIT_REACHED: 409,
  DEVICE_NOT_OWNED: 404,
  IDEMPOTENCY_KEY_REUSED: 422,
} as const satisfies Readonly<Record<string, number>>;

/** What each Downloads code means, served at `/problems/:code`. */
export const downloadsCodeDescriptions: Readonly<Record<keyof typeof downloadsCodeStatus, string>> = {
  YEARLY_LIMIT_REACHED: 'The title was downloaded as often as the rules allow in the last 365 days; `nextAvailableAt` says when the next download is possible.',
  DEVICE_LIMIT_REACHED: 'The account has downloads on as many devices as allowed; release or deactivate one first.',
  STUDIO_LIMIT_REACHED: "The account holds as many concurrent licenses for the title's studio as allowed.",
  LICENSE_RELEASED: 'The license was released; a released license can never be renewed.',
  LICENSE_NOT_FOUND: 'No license with this id exists.',
  DEACTIVATION_LIMIT_REACHED: 'Devices were remotely deactivated as often as allowed in the last 365 days.',
  DEVICE_NOT_OWNED: 'The device has no licenses of this customer.',
  IDEMPOTENCY_KEY_REUSED: 'The Idempotency-Key was already used for a different request (method, path or body).',
};
