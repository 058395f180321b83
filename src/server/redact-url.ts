/**
 * `url` with its password replaced by `***`, for errors, logs and the start-up banner:
 * `postgres://im:***@host/db`. Anything without a password (a SQLite path, a URL without
 * credentials) comes back exactly as given.
 */
export function redactUrl(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^@\s]*@/i.test(url)) return url;
  try {
    const u = new URL(url);
    u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}
