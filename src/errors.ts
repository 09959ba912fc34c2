/** One problem in a request, as sent to clients. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** The error body every 4xx/5xx carries (SPEC section 2). */
export interface ErrorBody {
  success: false;
  error: { code: string; message: string; details?: ErrorDetail[]; request_id?: string };
}

/**
 * Base for errors that are sent to clients: a stable snake_case `code` and an HTTP `status`; a
 * refusal that knows when to come back sets `retryAfterS`, sent as `Retry-After`.
 */
export class AppError extends Error {
  retryAfterS?: number;

  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = new.target.name;
  }

  toBody(requestId?: string): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message };
    if (this.details?.length) error.details = this.details;
    if (requestId) error.request_id = requestId;
    return { success: false, error };
  }
}

export class InvalidJsonError extends AppError {
  constructor(message = 'request body is not valid JSON') {
    super('invalid_json', 400, message);
  }
}
export class ValidationError extends AppError {
  constructor(message: string, details?: ErrorDetail[]) {
    super('validation_error', 400, message, details);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'a valid API key is required') {
    super('unauthorized', 401, message);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'forbidden') {
    super('forbidden', 403, message);
  }
}
export class TaskNotFoundError extends AppError {
  constructor(taskId: string) {
    super('task_not_found', 404, `no task with id ${JSON.stringify(taskId)}`);
  }
}
export class ToolNotFoundError extends AppError {
  constructor(name: string) {
    super('tool_not_found', 404, `no tool named ${JSON.stringify(name)}`);
  }
}
export class NotFoundError extends AppError {
  constructor(message = 'not found') {
    super('not_found', 404, message);
  }
}
export class TaskAlreadyFinishedError extends AppError {
  constructor(taskId: string, status: string) {
    super('task_already_finished', 409, `task ${taskId} already ${status}`);
  }
}
export class PayloadTooLargeError extends AppError {
  constructor(message = 'request body is larger than 1 MB') {
    super('payload_too_large', 413, message);
  }
}
export class UnsupportedMediaTypeError extends AppError {
  constructor(message = 'request body must be application/json') {
    super('unsupported_media_type', 415, message);
  }
}
export class UnavailableError extends AppError {
  constructor(message = 'service unavailable') {
    super('unavailable', 503, message);
  }
}
export class InternalError extends AppError {
  constructor() {
    super('internal_error', 500, 'internal error');
  }
}

/** Turn zod issues into details and one readable message: `num_agents: must be …; foo: unknown field`. */
export function validationErrorFromIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string; keys?: string[] }>,
  prefix = '',
): ValidationError {
  const details: ErrorDetail[] = [];
  for (const issue of issues) {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const key of issue.keys) details.push({ path: base ? `${base}.${key}` : key, message: 'unknown field' });
    } else {
      details.push({ path: base, message: issue.message });
    }
  }
  const message = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ');
  return new ValidationError(message || 'invalid request', details);
}
