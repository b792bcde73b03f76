export * from './env';
export * from './data-source';
export * from './workflow-store';
export * from './inbound-workflow';
export * from './execution-context';
export * from './channel-credentials';
export * from './transaction';
export * from './replays';
