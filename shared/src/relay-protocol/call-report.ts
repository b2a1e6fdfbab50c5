import { z } from 'zod';
import type { CallRecord } from '../record/call-record.ts';

/**
 * `POST /api/v1/calls`: the extension tells the relay about a call it placed, so the call log
 * is complete even when the provider sends no webhook. The relay validates it with this schema.
 */
export const callReportSchema = z.object({
  /** The agent's id for the connector instance the call went through. */
  instance: z.string().max(64),
  call_id: z.string().min(1).max(256),
  to_number: z.string().min(1).max(64),
  from_number: z.string().max(64).optional(),
  /** Canonical or the provider's own word; the relay normalises it. */
  status: z.string().max(64).optional(),
});
export type CallReport = z.infer<typeof callReportSchema>;

/**
 * The report of a call the engine placed through `instance` to `to`, from what it mapped of the
 * provider's answer; undefined when the provider gave no call id (nothing to report it under).
 */
export function buildCallReport(instance: string, to: string, record: CallRecord): CallReport | undefined {
  if (!record.call_id) return undefined;
  const report: CallReport = { instance, call_id: record.call_id, to_number: record.to_number ?? to };
  if (record.from_number !== undefined) report.from_number = record.from_number;
  if (record.call_status !== undefined) report.status = record.call_status;
  return report;
}
