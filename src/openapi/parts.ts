import { z } from 'zod';

/** A JSON object of the document (OpenAPI's own types would add a dependency for no checking we need). */
export type Json = Record<string, unknown>;

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: Json) => ({ 'application/json': { schema } });
/** `orchestrate_research` → `OrchestrateResearch`. */
export const pascal = (name: string) => name.replace(/(^|_)(\w)/g, (_m, _s, c: string) => c.toUpperCase());

export function errorResponse(description: string) {
  return { description, content: json(ref('ErrorBody')) };
}

/** Error answers every route can give; each operation adds its own. */
export const COMMON_ERRORS = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '429': { $ref: '#/components/responses/RateLimited' },
  '500': { $ref: '#/components/responses/InternalError' },
};
/** Error answers of a route that reads a JSON body. */
export const BODY_ERRORS = {
  '400': { $ref: '#/components/responses/BadRequest' },
  '413': { $ref: '#/components/responses/PayloadTooLarge' },
  '415': { $ref: '#/components/responses/UnsupportedMediaType' },
};

function inputJsonSchema(schema: z.ZodType): { properties?: Record<string, Json>; required?: string[] } {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, Json>; required?: string[] };
}

/** Query parameters from a zod object schema's properties (as the route parses them). */
export function queryParameters(schema: z.ZodType): Json[] {
  const js = inputJsonSchema(schema);
  return Object.entries(js.properties ?? {}).map(([name, prop]) => ({
    name,
    in: 'query',
    required: js.required?.includes(name) ?? false,
    ...(typeof prop.description === 'string' ? { description: prop.description } : {}),
    schema: prop,
  }));
}

export function hasRequiredFields(schema: z.ZodType): boolean {
  return (inputJsonSchema(schema).required?.length ?? 0) > 0;
}
