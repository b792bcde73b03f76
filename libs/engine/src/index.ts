// The engine: runs one command of an execution (the steps that can run now) with actions behind a
// seam. The executor runs it with real actions; previews run it with simulated ones (simulate.ts).
export * from './action';
export * from './infra-error';
export * from './messaging';
export * from './park';
export * from './run-execution';
export * from './step-error';
export * from './step-results';
export * from './simulate';
export * from './preview';
