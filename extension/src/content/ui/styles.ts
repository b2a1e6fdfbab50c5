/**
 * The parts of a call's view both our in-page cards and the toolbar popup show (a placed call's
 * card, the contact, the wrap-up, the CRM log's state): their classes, styled alike in both places.
 */
export const CALL_PARTS_CSS = `
.pc-card { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; text-align: left; width: 300px; background: #fff; border: 1px solid #d1d5db; border-radius: 10px; box-shadow: 0 8px 24px rgba(0,0,0,.18); padding: 12px 14px; }
.pc-row { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
.pc-title { font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #4b5563; }
.pc-number { font-size: 18px; font-weight: 600; margin: 4px 0 0; }
.pc-status { display: inline-block; border-radius: 999px; padding: 1px 8px; font-size: 12px; font-weight: 600; background: #e5e7eb; }
.pc-status[data-tone="waiting"] { background: #fef3c7; color: #92400e; }
.pc-status[data-tone="live"] { background: #dcfce7; color: #166534; }
.pc-status[data-tone="unsuccessful"] { background: #fee2e2; color: #991b1b; }
.pc-timer { font-variant-numeric: tabular-nums; color: #374151; }
.pc-hang-up { background: #b91c1c; border-color: #991b1b; color: #fff; font-weight: 600; }
.pc-hang-up:disabled { background: #fca5a5; border-color: #fca5a5; cursor: default; }
.pc-close { border: none; background: transparent; font-size: 16px; line-height: 1; padding: 2px 6px; }
.pc-detail { margin-top: 6px; color: #374151; word-break: break-word; }
.pc-actions { display: flex; gap: 8px; margin-top: 10px; align-items: center; }
.pc-link { color: #1d4ed8; text-decoration: none; font-weight: 600; }
.pc-link:hover { text-decoration: underline; }
.pc-saved { color: #166534; font-size: 12px; }
.pc-contact { margin: 6px 0 0; display: flex; flex-direction: column; }
.pc-contact-name { font-size: 15px; font-weight: 600; }
.pc-company { color: #4b5563; font-size: 12px; }
.pc-links { display: flex; flex-wrap: wrap; gap: 4px 12px; margin-top: 6px; }
.pc-picker { display: flex; flex-direction: column; gap: 2px; margin-top: 8px; font-size: 12px; color: #374151; }
.pc-crm-log { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-top: 8px; font-size: 12px; color: #374151; }
.pc-crm-log[data-pc-crm-log="logged"] { color: #166534; }
.pc-error { color: #991b1b; word-break: break-word; }
`;

/** Styles of our in-page UI; they live inside our shadow root, so the CRM's CSS cannot reach them. */
export const PANEL_CSS = `
:host { all: initial; }
.pc-e164 { color: #6b7280; font-size: 12px; }
.pc-taken-by { margin: 4px 0 0; font-size: 12px; font-weight: 600; color: #166534; }
textarea { width: 100%; box-sizing: border-box; margin-top: 8px; min-height: 54px; font: inherit; border: 1px solid #d1d5db; border-radius: 6px; padding: 6px; resize: vertical; }
button { font: inherit; border-radius: 6px; border: 1px solid #d1d5db; background: #f9fafb; padding: 4px 10px; cursor: pointer; color: inherit; }
button:focus-visible, textarea:focus-visible, a:focus-visible { outline: 2px solid #2563eb; outline-offset: 1px; }
select { font: inherit; border: 1px solid #d1d5db; border-radius: 6px; padding: 3px 6px; background: #fff; color: inherit; }
${CALL_PARTS_CSS}`;
