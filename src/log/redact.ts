/**
 * Masks the password in anything that looks like `[scheme://]user:password@host`: per
 * whitespace-separated token, everything between the first ':' of the user part and the last
 * '@' (passwords may themselves hold '@', '/' or ':'). A token without "user:" before an '@'
 * (an e-mail address, `http://user@host`) has no password and stays as it is.
 */
export function redactProxyText(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(/\S*@\S*/g, (token) => {
    const at = token.lastIndexOf('@');
    const schemeEnd = token.indexOf('//');
    const start = schemeEnd >= 0 && schemeEnd < at ? schemeEnd + 2 : 0;
    const colon = token.indexOf(':', start);
    if (colon < 0 || colon > at) return token;
    return `${token.slice(0, colon)}:***${token.slice(at)}`;
  });
}
