// Escaping of text a guest or a client chose, before a terminal or a log reader sees it. Every layer imports
// this (the ABI where guest text is read, the CLI where it is printed), so it depends on nothing.
//
// The rule: C0 controls (tab included), DEL, C1 controls and the Unicode line and paragraph separators are
// shown as JSON-style escapes (`\n`, `\t`, `\r`, else `\u001b`); nothing else changes. Raw, they can move the
// cursor, retitle or clear a terminal (ESC, and CSI as the single C1 character U+009B), or start what looks like
// a new log line. Backslashes are left alone: a guest that writes `\u001b` as text only shows that text.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;
/** What JSON.stringify leaves raw although a terminal or a line-splitting reader acts on it. */
const JSON_RAW = /[\u007f-\u009f\u2028\u2029]/g;

function escapeOne(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** One line of text with every control character escaped. */
export function escapeControl(s: string): string {
  return s.replace(CONTROL, escapeOne);
}

/** Text of several lines (one the CLI composed itself): escaped as escapeControl, but line feeds and tabs kept. */
export function escapeControlKeepLines(s: string): string {
  return s.replace(CONTROL_BUT_LINES, escapeOne);
}

/**
 * JSON text with DEL, C1 controls and U+2028/2029 written as \u escapes. In JSON text these can only stand inside a
 * string, where the escape means the same character, so the value is unchanged; JSON.stringify escapes the C0
 * controls itself.
 */
export function escapeJsonControls(json: string): string {
  return json.replace(JSON_RAW, escapeOne);
}
