// Helpers for the tests of every workspace; not used by production code.
export { testEngines, dropSchemas, TEST_POSTGRES_URL_VARIABLE, TEST_RUN_ID_VARIABLE } from './test-databases.js';
export type { TestEngine } from './test-databases.js';
export { TestTokenIssuer } from './test-token-issuer.js';
export type { TestTokenRequest } from './test-token-issuer.js';
export { testServiceConfig } from './test-config.js';
