import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { codeForStatus, httpErrorBody, notFoundBody } from '@ztsdb/errors';

/**
 * Errors Nest answers itself (no route for a path, a guard's refusal, a bug) in
 * ztsdb's error shape, {error, code}, instead of Nest's {statusCode, message}.
 */
@Catch()
export class JsonErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const req = http.getRequest<Request>();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    let status = 500;
    let body: string;
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      body =
        status === 404
          ? notFoundBody(req.method, req.originalUrl ?? req.url)
          : httpErrorBody(exception.message, codeForStatus(status));
    } else {
      const err = exception instanceof Error ? exception : new Error(String(exception));
      this.log.error(`${req.method} ${req.originalUrl ?? req.url}: ${err.message}`, err.stack);
      body = httpErrorBody(`internal error: ${err.message}`, 'ZTSDB_INTERNAL');
    }
    res.status(status).setHeader('content-type', 'application/json; charset=utf-8').end(body);
  }
}
