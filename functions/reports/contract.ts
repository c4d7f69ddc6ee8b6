/**
 * reports: its environment, shared with the stack (infra/functions.ts): the api function's, as both serve browsers
 * (CORS). Its events are API Gateway's (HTTP API, payload 2.0).
 */
export { Env } from '../api/contract.ts';
