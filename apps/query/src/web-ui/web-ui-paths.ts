/**
 * The paths of the web UI's shell: its pages (each answered with index.html) and its hashed
 * assets. They hold code, never data, so they stay open when ZTSDB_HTTP_TOKEN is set (the
 * browser cannot send a bearer token when it navigates); the UI then asks for the token and
 * sends it with every API call, which the guard checks as for any client.
 */
export const WEB_UI_PAGES = ['/', '/explore', '/cluster', '/containers/:id'] as const;

const SHELL = /^\/(?:explore|cluster|containers\/[^/]+|assets\/[^/]+)?$/;

export function isWebUiShell(method: string | undefined, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && SHELL.test(path);
}
