export { JsonNatsServer } from './json-nats-server';
export type { JsonNatsServerOptions } from './json-nats-server';
export { JsonNatsClient } from './json-nats-client';
export type { JsonNatsClientOptions } from './json-nats-client';
export { MalformedJson } from './json-request.deserializer';
export type { JsonAnswer } from './json-answer.deserializer';
export { AnswerAssembler, splitAnswer, ACCEPT_PARTS_HEADER } from './answer-parts';
export type { AnswerPart } from './answer-parts';
