/**
 * The REST API's memory: the API requests counted for `limits` and `Sforce-Limit-Info`, and the
 * front door's one-time passwords. No I/O.
 */

/** How long a front door URL works: Salesforce's are single use and short-lived. */
export const FRONT_DOOR_TTL_MS = 60_000;

/** The REST API's memory: API calls made today, for `limits` and `Sforce-Limit-Info`, and the front door's one-time passwords. */
export class RestState {
  /** Salesforce's daily API request allocation of a Developer Edition org. */
  readonly dailyApiRequests = 15_000;
  apiRequestsMade = 0;
  /** One-time password → the user it logs in and when it stops working. */
  readonly frontDoors = new Map<string, { userId: string; expiresAtMs: number }>();
}
