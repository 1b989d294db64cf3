/**
 * The orgs part's login bases: Experience Cloud-style site paths on the one emulator, which serves
 * each like a host of its own (its own issuer and `/id/keys`). The emulator process serves
 * `MAX_ORGS` of them; a run logs in through at most that many.
 */
export const MAX_ORGS = 10_000;

/** The n-th login base on the emulator (1-based). */
export const siteURL = (emulatorUrl, n) => `${emulatorUrl}/site${n}`;
