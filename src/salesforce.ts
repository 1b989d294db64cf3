/**
 * `passport-salesforce-pkce/salesforce` for `import`: passport-salesforce's interface on this
 * strategy, as `Strategy` and as the default export. (`require()` gets salesforce-cjs.cts: the
 * class itself, with `.Strategy`.)
 */
import { PassportSalesforceStrategy } from './passport-salesforce.js';

export { PassportSalesforceStrategy, PassportSalesforceStrategy as Strategy };
export default PassportSalesforceStrategy;
export type {
  PassportSalesforceProfile,
  PassportSalesforceStrategyOptions,
  PassportSalesforceVerifyFunction,
  PassportSalesforceVerifyFunctionWithRequest,
} from './passport-salesforce.js';
export type {
  PeerTokenParams as PassportSalesforceTokenParams,
  PeerStrategyOptions,
  PeerVerifyFunction,
  PeerVerifyFunctionWithRequest,
} from './peer-compat.js';
