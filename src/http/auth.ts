const encoder = new TextEncoder();
// RFC 9110 section 11.1: the scheme name is case-insensitive; one space before the token.
const BEARER = /^bearer ([\x21-\x7e]{1,1024})$/i;

/**
 * Whether the request's `Authorization: Bearer` token equals `expected`, compared in constant time:
 * both sides are hashed first, so neither content nor length leaks through timing.
 */
export async function bearerMatches(
  header: string | undefined,
  expected: string,
): Promise<boolean> {
  const match = BEARER.exec(header ?? "");
  const given = match?.[1] ?? "";
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  let diff = match ? 0 : 1;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}
