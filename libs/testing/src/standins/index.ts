export * from './http-standin';
export * from './form-data';
export * from './mailgun-standin';
export * from './telnyx-standin';
export * from './smtp-standin';
export * from './webhook-receiver';
export * from './push-standin';
