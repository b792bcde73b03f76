export * from './env';
export * from './client';
export * from './logger';
export * from './dead-letter';
export * from './pipeline';
export * from './observability';
export * from './service';
export * from './trace';
