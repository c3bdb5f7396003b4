/**
 * plotly.js as a string to inline into notebook outputs and report pages (4.8 MB; read once per process).
 */
import * as fs from 'fs';

let cached: string | null = null;

export function plotlyMinPath(): string {
  return require.resolve('plotly.js-dist-min');
}

export function plotlySource(): string {
  if (cached === null) cached = fs.readFileSync(plotlyMinPath(), 'utf8');
  return cached;
}

/**
 * The library wrapped so that an AMD loader on the page (classic Notebook ships require.js) cannot capture
 * the UMD export: with `define`, `module` and `exports` shadowed as undefined, plotly sets `window.Plotly`.
 */
export function plotlyScriptTag(): string {
  return `<script>if(!window.Plotly){(function(define,module,exports){\n${escapeScriptBody(plotlySource())}\n})(undefined,undefined,undefined);}</script>`;
}

/** A `</script>` inside inline code would end the tag early. */
export function escapeScriptBody(code: string): string {
  return code.replace(/<\/script/gi, '<\\/script');
}

/** JSON for embedding in a <script>: `<` escaped so no string in the data can close the tag. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
