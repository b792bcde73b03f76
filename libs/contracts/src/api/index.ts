/**
 * The HTTP API's contract: every request body, query and answer of services/api, one file per
 * resource. The API validates with these and documents them at /docs; the web app types its calls
 * with them. Nothing here may need Node: the web bundle imports it.
 */
export * from './common';
export * from './auth';
export * from './workflows';
export * from './executions';
export * from './metrics';
export * from './templates';
export * from './channels';
export * from './dead-letters';
export * from './outbox';
export * from './system';
export * from './live';
export * from './replays';
export * from './explain';
