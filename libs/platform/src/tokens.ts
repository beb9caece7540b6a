/** Injection token of the validated Settings object. */
export const SETTINGS = Symbol('ztsdb.settings');
/** Injection token of the service's name, used for the NATS connection name and logs. */
export const SERVICE_NAME = Symbol('ztsdb.service-name');
