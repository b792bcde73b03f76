export * from './processes';
export * from './kafka-helpers';
export * from './fixtures';
export * from './standins';
export * from './topic-tail';
