import { describePassportVersion } from './passport-versions.js';

describePassportVersion('0.7');
