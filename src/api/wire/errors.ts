import type { FastifyError } from 'fastify';
import { ApiError } from '../../domain/errors.ts';

export interface ErrorBody {
  error: {
    type: string;
    message: string;
    code?: string;
    param?: string;
    doc_url?: string;
    request_log_url?: string;
  };
}

/** Stripe's error shape; `requestLogUrl`: the dashboard's page for the request, when it has one. */
export function errorBody(error: ApiError, requestLogUrl: string | undefined): ErrorBody {
  return {
    error: {
      type: error.type,
      message: error.message,
      ...(error.code !== undefined && {
        code: error.code,
        doc_url: `https://stripe.com/docs/error-codes/${error.code.replaceAll('_', '-')}`,
      }),
      ...(error.param !== undefined && { param: error.param }),
      ...(requestLogUrl !== undefined && { request_log_url: requestLogUrl }),
    },
  };
}

/** Turns whatever was thrown into an ApiError: framework errors keep their 4xx status. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError({
        status: 413,
        type: 'invalid_request_error',
        message: 'Request body too large: at most 1 MB is accepted.',
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError({
        status: 415,
        type: 'invalid_request_error',
        message: "Invalid request: bodies must be application/x-www-form-urlencoded, as in Stripe's API.",
      });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new ApiError({
        status: 400,
        type: 'invalid_request_error',
        message: 'Invalid request: malformed body or headers.',
      });
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new ApiError({
      status,
      type: 'invalid_request_error',
      message: `Invalid request: ${fastifyError.message ?? 'bad request'}`,
    });
  }
  return new ApiError({
    status: 500,
    type: 'api_error',
    message: 'An unexpected error occurred in openfc. The error has been logged.',
  });
}
