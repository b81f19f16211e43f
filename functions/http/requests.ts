/**
 * What the API accepts, validated at the edge. The schemas are the types; their messages are what
 * a caller reads in a 400, so each says what a valid value looks like.
 */
import * as z from 'zod';

export const execIdSchema = z.string().regex(/^[0-9]{1,20}$/, 'execId must be 1 to 20 digits, e.g. 315337');

export const taskIdSchema = z
  .string()
  .max(64, 'taskId must be at most 64 characters')
  .regex(
    /^[A-Za-z]+-[a-z0-9]+$/,
    'taskId must look like cd-tepmjmnj6o: letters, a dash, lower-case letters and digits',
  );

const limitSchema = z
  .string()
  .regex(/^[0-9]{1,3}$/, 'limit must be a whole number from 1 to 100')
  .transform(Number)
  .pipe(z.number().int().min(1, 'limit must be at least 1').max(100, 'limit must be at most 100'));

const cursorSchema = z
  .string()
  .max(2048, 'cursor is too long: pass back the cursor of the previous page unchanged')
  .regex(/^[A-Za-z0-9_-]+$/, 'cursor must be the cursor of the previous page, unchanged');

export const pageQuerySchema = z.strictObject({
  limit: limitSchema.optional(),
  cursor: cursorSchema.optional(),
});

export const runQuerySchema = z.strictObject({
  refresh: z.enum(['true', 'false'], { error: 'refresh must be true or false' }).optional(),
});

export const noQuerySchema = z.strictObject({});

const decimalString = (field: string) =>
  z
    .string()
    .regex(/^-?[0-9]+(\.[0-9]+)?$/, `${field} must be a decimal number written as a string, e.g. "0.0001"`);

/** `compareOption` of NineData's execute, per NINEDATA.md; unknown fields are refused. */
export const compareOptionSchema = z.strictObject({
  enabled: z
    .boolean({ error: 'enabled must be true or false (the options apply only when true)' })
    .optional(),
  parallel: z
    .number({ error: 'parallel must be a number' })
    .int('parallel must be a whole number')
    .min(1, 'parallel must be at least 1')
    .max(1024, 'parallel must be at most 1024')
    .optional(),
  splitNum: z
    .string()
    .regex(/^[0-9]{1,12}$/, 'splitNum must be a whole number written as a string, e.g. "10000"')
    .optional(),
  differSize: z
    .string()
    .regex(/^[0-9]{1,12}$/, 'differSize must be a whole number written as a string, e.g. "1000"')
    .optional(),
  floatPrecision: decimalString('floatPrecision').optional(),
  doublePrecision: decimalString('doublePrecision').optional(),
  stringTrimStrategy: z
    .enum(['LTrim', 'RTrim', 'Trim'], { error: 'stringTrimStrategy must be LTrim, RTrim or Trim' })
    .optional(),
});

export const startRunBodySchema = z.strictObject({ compareOption: compareOptionSchema.optional() });

/** A watch request takes no options; an empty object (or no body) is accepted. */
export const watchBodySchema = z.strictObject({});

/** One line per problem, naming where it is: what a caller needs to fix a 400. */
export function describeIssues(
  error: z.ZodError,
  where: string,
): { detail: string; invalid: { at: string; problem: string }[] } {
  const invalid = error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const problem =
      issue.code === 'unrecognized_keys'
        ? `unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
        : issue.message;
    return { at: path ? `${where}.${path}` : where, problem };
  });
  return { detail: invalid.map((i) => `${i.at}: ${i.problem}`).join('; '), invalid };
}
