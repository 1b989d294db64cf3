/**
 * `passport-salesforce-pkce/salesforce` for `require()`: the module is the class, as
 * `require('passport-salesforce')` was, and `.Strategy` is the class too.
 */
import { PassportSalesforceStrategy } from './passport-salesforce.js';

export = PassportSalesforceStrategy as typeof PassportSalesforceStrategy & { Strategy: typeof PassportSalesforceStrategy };
