/** Whether `Accept` prefers `text/plain` over JSON (by q-value, then by order). */
export function prefersText(accept: string | undefined): boolean {
  if (!accept) return false;
  let text = { q: 0, at: Number.POSITIVE_INFINITY };
  let json = { q: 0, at: Number.POSITIVE_INFINITY };
  accept.split(",").forEach((part, at) => {
    const [range = "", ...params] = part.trim().toLowerCase().split(";");
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0 && q <= 1)) return;
    const type = range.trim();
    if ((type === "text/plain" || type === "text/*") && q > text.q) text = { q, at };
    if ((type === "application/json" || type === "application/*" || type === "*/*") && q > json.q) {
      json = { q, at };
    }
  });
  return text.q > json.q || (text.q > 0 && text.q === json.q && text.at < json.at);
}

/** Whether `Accept` asks for JSON explicitly (used by /health, whose default is text). */
export function wantsJson(accept: string | undefined): boolean {
  return /\bapplication\/json\b/i.test(accept ?? "");
}
