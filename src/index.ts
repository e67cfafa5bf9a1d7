// The library entry point (`import ... from 'certgate'`): start a gateway from a config file in
// your own process. Upstreams verifying certgate's signatures import 'certgate/verify' instead.
export { loadConfig, loadConfigFromString, checkConfig, formatCheckReport } from './config/load-config.js';
export { startGateway, type RunningGateway, type GatewayOptions } from './gateway.js';
export { GatewayError, ConfigError, type GatewayErrorCode } from './errors.js';
export type { GatewayConfig, ConfigIssue } from './config/types.js';
export type { ClientIdentity, ClientCertificate } from './identity/types.js';
