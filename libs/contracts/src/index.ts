export * from './topics';
export * from './condition';
export * from './workflow-definition';
export * from './messages';
export * from './debezium';
export * from './ids';
export * from './json-schema';
export * from './triggers';
