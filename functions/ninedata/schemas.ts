/**
 * What NineData sends, validated at the edge (NINEDATA.md, "Inconsistencies a client must
 * tolerate"): ids and counts as numbers or numeric strings, any field missing, extra fields,
 * unknown statuses. Every parser here is pure; the client turns a problem into
 * `NineDataInvalidResponse`.
 */
import * as z from 'zod';
import type { TableSummary, TableSummaryPage, TableSummaryQuery, UpstreamTask } from '../core/ports';
import type { UpstreamRun } from '../core/run-view';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

// ---------------------------------------------------------------- raw JSON

/*
 * JSON.parse turns an id beyond 2^53 into a rounded double. Ids are quoted before parsing so they
 * survive as decimal strings; the look-behind skips escaped quotes inside string values.
 */
const LONG_ID =
  /(?<!\\)"(id|execId|lastExecId|taskId|progressId|sourceDsId|targetDsId|accountId)"(\s*:\s*)(-?\d{16,})(?=\s*[,}\]])/g;

/** Parses a body as JSON, keeping long ids exact. Throws `SyntaxError` when it is not JSON. */
export function parseJsonBody(text: string): unknown {
  return JSON.parse(text.replace(LONG_ID, '"$1"$2"$3"'));
}

// ---------------------------------------------------------------- lenient scalars

/** A decimal id from a safe integer or a non-empty string; null otherwise. */
export function toId(value: unknown): string | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : null;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? null : trimmed;
  }
  return null;
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

/** A count from a number or a numeric string. Missing, null, empty or unusable means unknown: null, never 0. */
export function toCount(value: unknown): number | null {
  let parsed: number | null = null;
  if (typeof value === 'number') parsed = value;
  else if (typeof value === 'string' && NUMERIC.test(value.trim())) parsed = Number(value.trim());
  return parsed !== null && Number.isFinite(parsed) && parsed >= 0 ? parsed : null;
}

/** A text field: empty means absent. Numbers are kept as their decimal form. */
export function toText(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value !== '' ? value : null;
}

export function toBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === '1' || value === 'true') return true;
  if (value === 0 || value === '0' || value === 'false') return false;
  return null;
}

const WIRE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Milliseconds since the epoch from NineData's time forms: `yyyy-MM-dd HH:mm:ssZ` (documented),
 * with `T`, with or without `Z` (UTC either way), with a fraction or an offset; null otherwise.
 */
export function parseWireTime(text: string): number | null {
  const match = WIRE_TIME.exec(text.trim());
  if (match === null) return null;
  const field = (index: number): number => Number(match[index]);
  const [y, mo, d, h, mi, s] = [field(1), field(2), field(3), field(4), field(5), field(6)];
  const fraction = match[7];
  const zone = match[8];
  const ms = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(utc);
  // Date.UTC rolls 2026-02-30 over into March: such a date is unparseable, not a different day.
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return utc - zoneOffsetMs(zone);
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/** An ISO 8601 UTC string from a wire time (or epoch number); null when absent or unparseable. */
export function toIsoTime(value: unknown): string | null {
  let ms: number | null = null;
  if (typeof value === 'string') ms = parseWireTime(value);
  else if (typeof value === 'number' && Number.isFinite(value)) ms = epochToMs(value);
  return ms === null ? null : new Date(ms).toISOString();
}

/* Below 1e11 a number reads as seconds (1e11 s is the year 5138; 1e11 ms is 1973). */
function epochToMs(value: number): number {
  return Math.abs(value) < 1e11 ? value * 1000 : value;
}

/**
 * The server time `/openapi/now` sends, in ms since the epoch. Its format is undocumented: epoch
 * ms or seconds (number or numeric string), ISO 8601, or `yyyy-MM-dd HH:mm:ss` in UTC.
 */
export function parseServerTime(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? epochToMs(value) : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (NUMERIC.test(text)) return parseServerTime(Number(text));
  const wire = parseWireTime(text);
  if (wire !== null) return wire;
  const iso = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(iso) ? null : iso;
}

/* `optional()` first: zod 4 refuses a missing key before a transform could map it to null. */
function lenient<T>(convert: (value: unknown) => T) {
  return z.unknown().optional().transform(convert);
}

const id = lenient(toId);
const count = lenient(toCount);
const text = lenient(toText);
const time = lenient(toIsoTime);

// ---------------------------------------------------------------- envelope

const envelopeSchema = z.object({
  success: z.union([z.boolean(), z.enum(['true', 'false']).transform((flag) => flag === 'true')]),
  requestId: id,
  message: text,
  data: z.unknown().optional(),
});

export type Envelope = z.output<typeof envelopeSchema>;

/** `{success, requestId, data, message}`; null when the value is not the envelope. */
export function parseEnvelope(value: unknown): Envelope | null {
  const result = envelopeSchema.safeParse(value);
  return result.success ? result.data : null;
}

// ---------------------------------------------------------------- run

const runSchema = z.object({
  id,
  taskId: id,
  status: lenient((value) => (typeof value === 'string' && value.trim() !== '' ? value : null)),
  createTime: time,
  updateTime: time,
  errorMessage: text,
  execType: text,
  tableCount: count,
  skipTableCount: count,
  sourceTotalRows: count,
  targetTotalRows: count,
  sourceCompletedRows: count,
  targetCompletedRows: count,
  sameRows: count,
  differenceRows: count,
  onlySourceRows: count,
  onlyTargetRows: count,
});

/**
 * A run (`queryTaskExecInfo` → `data`) for the requested `execId`. Requires a non-empty status,
 * and an id that is absent (the requested one is assumed) or equal to the requested one.
 */
export function parseRun(data: unknown, execId: string): Parsed<UpstreamRun> {
  const result = runSchema.safeParse(data);
  if (!result.success) return { ok: false, problem: 'the run is not an object' };
  const raw = result.data;
  if (raw.id !== null && raw.id !== execId) {
    return { ok: false, problem: `the answer describes run ${raw.id}, not run ${execId}` };
  }
  if (raw.status === null) return { ok: false, problem: 'the run has no status' };
  return {
    ok: true,
    value: {
      execId,
      taskId: raw.taskId,
      status: raw.status,
      createdAt: raw.createTime,
      updatedAt: raw.updateTime,
      errorMessage: raw.errorMessage,
      execType: raw.execType,
      tableCount: raw.tableCount,
      skipTableCount: raw.skipTableCount,
      sourceTotalRows: raw.sourceTotalRows,
      targetTotalRows: raw.targetTotalRows,
      sourceCompletedRows: raw.sourceCompletedRows,
      targetCompletedRows: raw.targetCompletedRows,
      sameRows: raw.sameRows,
      differenceRows: raw.differenceRows,
      onlySourceRows: raw.onlySourceRows,
      onlyTargetRows: raw.onlyTargetRows,
    },
  };
}

// ---------------------------------------------------------------- task

const taskSchema = z.object({
  id,
  taskId: id,
  name: text,
  status: text,
  lastExecId: id,
  isDeleted: lenient(toBoolean),
  errMsg: text,
  errorMessage: text,
  createTime: time,
  type: text,
  sourceDsId: id,
  targetDsId: id,
});

/** A main task (`queryTaskById` → `data`); its id, when sent, must be the requested one. */
export function parseTask(data: unknown, taskId: string): Parsed<UpstreamTask> {
  const result = taskSchema.safeParse(data);
  if (!result.success) return { ok: false, problem: 'the task is not an object' };
  const raw = result.data;
  const sentId = raw.id ?? raw.taskId;
  if (sentId !== null && sentId !== taskId) {
    return { ok: false, problem: `the answer describes task ${sentId}, not task ${taskId}` };
  }
  return {
    ok: true,
    value: {
      taskId,
      name: raw.name,
      status: raw.status,
      lastExecId: raw.lastExecId,
      isDeleted: raw.isDeleted,
      errorMessage: raw.errMsg ?? raw.errorMessage,
      createdAt: raw.createTime,
      type: raw.type,
      sourceDsId: raw.sourceDsId,
      targetDsId: raw.targetDsId,
    },
  };
}

// ---------------------------------------------------------------- execute

/** The new run's id from `execute` → `data`: a number (documented), a numeric string, or `{execId}`. */
export function parseExecId(data: unknown): Parsed<string> {
  const direct = toId(data);
  const nested =
    typeof data === 'object' && data !== null && !Array.isArray(data)
      ? toId((data as Record<string, unknown>).execId ?? (data as Record<string, unknown>).id)
      : null;
  const execId = direct ?? nested;
  return execId === null
    ? { ok: false, problem: 'the answer carries no run id' }
    : { ok: true, value: execId };
}

// ---------------------------------------------------------------- table summary

const KNOWN_TABLE_KEYS = new Set([
  'progressId',
  'schemaName',
  'tableName',
  'targetSchemaName',
  'targetTableName',
]);

const tableSchema = z.record(z.string(), z.unknown()).transform(
  (raw): TableSummary => ({
    progressId: toId(raw.progressId),
    schemaName: toText(raw.schemaName),
    tableName: toText(raw.tableName),
    targetSchemaName: toText(raw.targetSchemaName),
    targetTableName: toText(raw.targetTableName),
    extra: Object.fromEntries(Object.entries(raw).filter(([key]) => !KNOWN_TABLE_KEYS.has(key))),
  }),
);

const tablePageSchema = z.object({
  taskId: id,
  execId: id,
  totalTableCount: count,
  diffTableCount: count,
  pageNumber: count,
  pageSize: count,
  tableSummaries: z
    .array(tableSchema)
    .nullish()
    .transform((tables) => tables ?? []),
});

/** A page of `result/tableSummary`; its task and run, when sent, must be the requested ones. */
export function parseTableSummaryPage(data: unknown, query: TableSummaryQuery): Parsed<TableSummaryPage> {
  const result = tablePageSchema.safeParse(data);
  if (!result.success) return { ok: false, problem: 'the table summary page is not the documented object' };
  const raw = result.data;
  if (raw.taskId !== null && raw.taskId !== query.taskId) {
    return { ok: false, problem: `the answer describes task ${raw.taskId}, not task ${query.taskId}` };
  }
  if (raw.execId !== null && raw.execId !== query.execId) {
    return { ok: false, problem: `the answer describes run ${raw.execId}, not run ${query.execId}` };
  }
  return {
    ok: true,
    value: {
      taskId: query.taskId,
      execId: query.execId,
      totalTableCount: raw.totalTableCount,
      diffTableCount: raw.diffTableCount,
      pageNumber: raw.pageNumber,
      pageSize: raw.pageSize,
      tables: raw.tableSummaries,
    },
  };
}
