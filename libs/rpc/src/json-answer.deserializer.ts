import type { IncomingResponse, ProducerDeserializer } from '@nestjs/microservices';

/** An answer as the service wrote it, and parsed. */
export interface JsonAnswer {
  text: string;
  json: unknown;
}

/**
 * Client side: the whole answer (joined from its parts by JsonNatsClient) is
 * plain JSON; the caller gets the text as written and its parse. An answer
 * that is not JSON is an error naming the subject.
 */
export class JsonAnswerDeserializer implements ProducerDeserializer {
  deserialize(bytes: Uint8Array, options?: { subject?: string }): IncomingResponse {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    try {
      const answer: JsonAnswer = { text, json: JSON.parse(text) };
      return { id: '', response: answer, isDisposed: true };
    } catch (e) {
      return {
        id: '',
        err: new Error(
          `answer on ${options?.subject ?? 'the bus'} is not JSON (${(e as Error).message}): ${text.slice(0, 80)}`,
        ),
        isDisposed: true,
      };
    }
  }
}
