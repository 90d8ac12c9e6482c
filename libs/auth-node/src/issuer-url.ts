/** Host names that reach only this machine. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Why `text` is not acceptable as an OIDC issuer or JWKS URL: it must be an absolute `https:`
 * URL, or `http:` on a loopback host (a local identity provider in development and tests).
 * @returns the reason, or `undefined` when the URL is acceptable.
 */
export function issuerUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `must be an absolute URL, got "${text}"`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  if (url.protocol === 'http:') return `must use https (http is accepted only for loopback hosts), got "${text}"`;
  return `must be an https URL, got "${text}"`;
}
